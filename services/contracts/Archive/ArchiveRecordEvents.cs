using MassTransit;

namespace Ppid.Contracts.Archive;

// The archive's own record keeping of an archived edition (stream type archive.edition, the same
// stream as EditionArchived): legal holds and disposal. Other services may ignore them.

/// <summary>A legal hold stops any disposal of the archived edition until released.</summary>
[MessageUrn("archive.legal-hold-placed.v1"), StreamType("archive.edition")]
public sealed record LegalHoldPlaced(Guid EditionId, string Reason, DateTimeOffset PlacedAt);

[MessageUrn("archive.legal-hold-released.v1"), StreamType("archive.edition")]
public sealed record LegalHoldReleased(Guid EditionId, string Reason, DateTimeOffset ReleasedAt);

/// <summary>
/// The archived edition's content and document were destroyed under an approved disposal decision
/// after its retention passed. The record stays: what was destroyed (its hashes), when, and by whose decision.
/// </summary>
[MessageUrn("archive.edition-disposed.v1"), StreamType("archive.edition")]
public sealed record EditionDisposed(
    Guid EditionId,
    int Number,
    string DecisionReference,
    string ApprovedBy,
    string RecordClass,
    DateOnly RetainedUntil,
    string ContentSha256,
    string PdfSha256,
    DateTimeOffset DisposedAt);
