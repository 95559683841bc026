using MassTransit;

namespace Ppid.Contracts.Registry;

// The events of one information item (a stream of type registry.item, one per item). The tenant
// travels in the event metadata, not in the payload. Field letters refer to the DIP entry of
// Perki 1/2021 (see DOMAIN.md): b summary, c holding unit, d responsible official, e time and
// place of production, f forms available, g retention (a record class of the tenant's JRA).

/// <summary>The kind of document: classification needs it for the Pasal 18 rule (never exempt kinds).</summary>
public enum DocumentKind
{
    Regulation,
    Decision,
    Circular,
    CourtDecision,
    Report,
    Contract,
    Dataset,
    Correspondence,
    Other,
}

/// <summary>Softcopy or hardcopy (DIP letter f).</summary>
public enum InformationForm
{
    Softcopy,
    Hardcopy,
}

/// <summary>One form in which the information is available: its format (PDF, XLSX, paper) and where it can be found.</summary>
public sealed record AvailableForm(InformationForm Form, string Format, string Location);

/// <summary>A reference to a stored document (the registry keeps references, not the bytes).</summary>
public sealed record DocumentReference(Guid DocumentId, string Name, string MediaType, long Size, string Sha256, string Location);

[MessageUrn("registry.item-registered.v1"), StreamType("registry.item")]
public sealed record InformationItemRegistered(
    Guid ItemId,
    string Title,
    string Summary,
    string HoldingUnit,
    string ResponsibleOfficial,
    DateOnly ProductionDate,
    string ProductionPlace,
    IReadOnlyList<AvailableForm> Forms,
    string RecordClass,
    DocumentKind Kind,
    string Language,
    IReadOnlyList<string> Tags,
    IReadOnlyList<DocumentReference> Documents,
    DateTimeOffset RegisteredAt);

/// <summary>Details changed by a revision: only the fields that changed are set; null means unchanged.</summary>
[MessageUrn("registry.item-revised.v1"), StreamType("registry.item")]
public sealed record InformationItemRevised(
    Guid ItemId,
    string? Title,
    string? Summary,
    string? HoldingUnit,
    string? ResponsibleOfficial,
    DateOnly? ProductionDate,
    string? ProductionPlace,
    IReadOnlyList<AvailableForm>? Forms,
    string? RecordClass,
    DocumentKind? Kind,
    string? Language,
    IReadOnlyList<string>? Tags,
    DateTimeOffset RevisedAt);

[MessageUrn("registry.document-attached.v1"), StreamType("registry.item")]
public sealed record DocumentAttached(Guid ItemId, DocumentReference Document, DateTimeOffset AttachedAt);

[MessageUrn("registry.document-detached.v1"), StreamType("registry.item")]
public sealed record DocumentDetached(Guid ItemId, Guid DocumentId, DateTimeOffset DetachedAt);

/// <summary>The body no longer holds the information.</summary>
[MessageUrn("registry.item-withdrawn.v1"), StreamType("registry.item")]
public sealed record InformationItemWithdrawn(Guid ItemId, string Reason, DateTimeOffset WithdrawnAt);

[MessageUrn("registry.item-reinstated.v1"), StreamType("registry.item")]
public sealed record InformationItemReinstated(Guid ItemId, DateTimeOffset ReinstatedAt);
