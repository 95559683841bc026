using MassTransit;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Registry;

namespace Ppid.Contracts.Publication;

// Publication's events. An edition (stream type publication.edition, one stream per edition)
// carries its whole public content so the archive can keep it without asking anyone; the
// serta-merta fast path publishes single items (stream type publication.entry, one per item).

/// <summary>One DIP entry as the public sees it: fields a–g of Perki 1/2021 and its classification.</summary>
public sealed record DipEntry(
    int Number,
    Guid ItemId,
    Guid ClassificationId,
    Category Category,
    int? IntervalMonths,
    string Title,
    string Summary,
    string HoldingUnit,
    string ResponsibleOfficial,
    DateOnly ProductionDate,
    string ProductionPlace,
    IReadOnlyList<AvailableForm> Forms,
    string RecordClass,
    string Retention,
    string DecreeNumber,
    bool NewlyOpened);

/// <summary>One DIK entry: never the exempt content, only the ground, basis, public summary and period.</summary>
public sealed record DikEntry(
    int Number,
    Guid ItemId,
    Guid ClassificationId,
    string Title,
    string HoldingUnit,
    string Pasal17Letter,
    string? Pasal17SubPoint,
    string LegalBasis,
    string PublicSummary,
    DateOnly? ExemptUntil,
    string DecreeNumber);

/// <summary>
/// The PPID published an edition: an immutable snapshot. ContentHash is the SHA-256 (hex) of the
/// edition's canonical JSON (entries and exemptions in order), so anyone holding a copy can check it.
/// </summary>
[MessageUrn("publication.edition-published.v1"), StreamType("publication.edition")]
public sealed record EditionPublished(
    Guid EditionId,
    int Number,
    DateOnly EffectiveDate,
    IReadOnlyList<DipEntry> Entries,
    IReadOnlyList<DikEntry> Exemptions,
    IReadOnlyList<Guid> RatificationIds,
    string ContentHash,
    string PublishedBy,
    DateTimeOffset PublishedAt);

/// <summary>A serta-merta item went on the website the moment it was ratified, without an edition.</summary>
[MessageUrn("publication.entry-published.v1"), StreamType("publication.entry")]
public sealed record EntryPublished(DipEntry Entry, DateTimeOffset PublishedAt);
