using MassTransit;

namespace Ppid.Contracts.Classification;

// The workflow events of a classification stream (classification.classification), before and
// after the contract's ClassificationRatified / ExemptItemOpened. Other services may ignore them;
// the archive's ledger reads them. Who took each step (actor and role) is in the event metadata.

/// <summary>Why a reclassification was proposed (the SOP: monitoring and evaluation, public input, a request).</summary>
public enum ReclassificationTrigger
{
    Monitoring,
    PublicInput,
    Request,
}

/// <summary>
/// A petugas proposed a classification of an item. <see cref="TerminationOfInvestigation"/> marks
/// a document terminating an investigation or prosecution (SP3), which Pasal 18 never lets be
/// exempt; the registry has no document kind for it.
/// </summary>
[MessageUrn("classification.classification-proposed.v1"), StreamType("classification.classification")]
public sealed record ClassificationProposed(
    Guid ClassificationId,
    Guid ItemId,
    Category Category,
    int? IntervalMonths,
    string Rationale,
    ConsequenceTest? ConsequenceTest,
    bool TerminationOfInvestigation,
    Guid? Supersedes,
    ReclassificationTrigger? Trigger,
    string ProposedBy,
    DateTimeOffset ProposedAt);

/// <summary>The PPID or the information service team commented on the proposal; a comment may ask for correction.</summary>
[MessageUrn("classification.proposal-commented.v1"), StreamType("classification.classification")]
public sealed record ProposalCommented(
    Guid ClassificationId,
    Guid ItemId,
    string Comment,
    bool RequiresCorrection,
    string CommentedBy,
    string Role,
    DateTimeOffset CommentedAt);

/// <summary>The proposal as revised (the whole proposal, not a patch); consultation starts a new round.</summary>
[MessageUrn("classification.proposal-revised.v1"), StreamType("classification.classification")]
public sealed record ProposalRevised(
    Guid ClassificationId,
    Guid ItemId,
    Category Category,
    int? IntervalMonths,
    string Rationale,
    ConsequenceTest? ConsequenceTest,
    bool TerminationOfInvestigation,
    string RevisedBy,
    DateTimeOffset RevisedAt);

/// <summary>The coordination meeting's decision on this item.</summary>
public enum MeetingOutcome
{
    Agreed,
    Returned,
}

/// <summary>The coordination meeting of the PPID Pelaksana decided on this item (agreed, or returned for correction).</summary>
[MessageUrn("classification.coordination-meeting-recorded.v1"), StreamType("classification.classification")]
public sealed record CoordinationMeetingRecorded(
    Guid ClassificationId,
    Guid ItemId,
    DateOnly MeetingDate,
    IReadOnlyList<string> Attendees,
    string MinutesReference,
    MeetingOutcome Outcome,
    string? Notes,
    string RecordedBy,
    DateTimeOffset RecordedAt);

/// <summary>The PPID's determination (penetapan): the decree, before the Atasan PPID ratifies.</summary>
[MessageUrn("classification.classification-determined.v1"), StreamType("classification.classification")]
public sealed record ClassificationDetermined(
    Guid ClassificationId,
    Guid ItemId,
    Decree Decree,
    DateTimeOffset DeterminedAt);

/// <summary>An exemption ends within 30 working days: the PPID must decide whether to open or extend it (through a reclassification).</summary>
[MessageUrn("classification.opening-decision-due.v1"), StreamType("classification.classification")]
public sealed record OpeningDecisionDue(
    Guid ClassificationId,
    Guid ItemId,
    DateOnly ExemptUntil,
    DateOnly DueFrom,
    DateTimeOffset RaisedAt);
