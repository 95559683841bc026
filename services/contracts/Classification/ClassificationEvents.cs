using MassTransit;

namespace Ppid.Contracts.Classification;

// The classification of one item: a stream of type classification.classification per proposal.
// A reclassification is a new stream whose events name the classification it supersedes.
// Publication and archive consume ClassificationRatified and ExemptItemOpened; the workflow's
// other events (proposed, commented, revised, meeting, determined, opening due...) are defined by
// the classification service in this folder, with the same stream type, and other services ignore
// them. Every event names its ItemId so consumers can key by item.

/// <summary>The four categories of UU 14/2008 (on the wire: berkala, serta-merta, setiap-saat, dikecualikan).</summary>
public enum Category
{
    /// <summary>Pasal 9: published periodically, at least every six months.</summary>
    Berkala,

    /// <summary>Pasal 10: published immediately.</summary>
    SertaMerta,

    /// <summary>Pasal 11: available at any time on request.</summary>
    SetiapSaat,

    /// <summary>Pasal 17: exempt, after a consequence test.</summary>
    Dikecualikan,
}

/// <summary>
/// The consequence test (uji konsekuensi) of an exempt item, Perki 1/2017 Pasal 4. Only
/// <see cref="Pasal17Letter"/>, <see cref="Pasal17SubPoint"/>, <see cref="LegalBasis"/>,
/// <see cref="PublicSummary"/> and <see cref="ExemptUntil"/> may ever be shown to the public (the
/// DIK); everything else describes or reveals the exempt content and must never leave the
/// services' authenticated APIs and the archive.
/// </summary>
public sealed record ConsequenceTest(
    string ExemptPart,
    bool WholeDocument,
    string? WholeDocumentReason,
    string Pasal17Letter,
    string? Pasal17SubPoint,
    string LegalBasis,
    string ConsequenceIfOpened,
    string ConsequenceIfClosed,
    string PublicInterestBalance,
    string PublicSummary,
    DateOnly? ExemptUntil,
    string? RedactionNotes);

/// <summary>The determination (penetapan) by the PPID: the decree that makes the classification.</summary>
public sealed record Decree(string Number, DateOnly Date, string Place, string PpidId, string PpidName);

/// <summary>
/// Final: ratified by the Atasan PPID. Publication lists the item (serta-merta at once, others at
/// the next edition; dikecualikan in the DIK only). Supersedes names an earlier classification of
/// the same item that this one replaces.
/// </summary>
[MessageUrn("classification.classification-ratified.v1"), StreamType("classification.classification")]
public sealed record ClassificationRatified(
    Guid ClassificationId,
    Guid ItemId,
    Category Category,
    int? IntervalMonths,
    string Rationale,
    ConsequenceTest? ConsequenceTest,
    Decree Decree,
    Guid? Supersedes,
    string RatifiedBy,
    DateTimeOffset RatifiedAt);

/// <summary>Why an exempt item opened.</summary>
public enum OpeningReason
{
    /// <summary>The exemption period ended and nobody extended it.</summary>
    Expired,

    /// <summary>A decision of the Information Commission (Komisi Informasi).</summary>
    CommissionDecision,

    /// <summary>A court decision.</summary>
    CourtDecision,
}

/// <summary>An exempt item is open from now on, as <see cref="OpenedAs"/>; it goes into the DIP.</summary>
[MessageUrn("classification.exempt-item-opened.v1"), StreamType("classification.classification")]
public sealed record ExemptItemOpened(
    Guid ClassificationId,
    Guid ItemId,
    OpeningReason Reason,
    string? Reference,
    Category OpenedAs,
    DateTimeOffset OpenedAt);
