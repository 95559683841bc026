using Ppid.Contracts.Classification;

namespace Ppid.Classification.Classifications;

/// <summary>Where a classification stands in the SOP's cycle (on the wire in kebab-case).</summary>
public enum ClassificationStatus
{
    None,

    /// <summary>Proposed or revised: the PPID and the information service team comment.</summary>
    InConsultation,

    /// <summary>A comment or the meeting asked for correction: the petugas must revise before anything else.</summary>
    CorrectionRequested,

    /// <summary>The coordination meeting agreed: the PPID may determine.</summary>
    Agreed,

    /// <summary>The PPID determined it (decree): the Atasan PPID may ratify.</summary>
    Determined,

    /// <summary>Final and published.</summary>
    Ratified,

    /// <summary>An exempt item opened (expiry, Commission or court decision).</summary>
    Opened,
}

/// <summary>What the petugas proposes (or revises to).</summary>
public sealed record Proposal(Category Category, int? IntervalMonths, string Rationale, ConsequenceTest? ConsequenceTest, bool TerminationOfInvestigation);

public sealed record Meeting(DateOnly Date, IReadOnlyList<string> Attendees, string MinutesReference, MeetingOutcome Outcome, string? Notes);

/// <summary>One classification of one item, as its stream says.</summary>
public sealed record ClassificationState(
    Guid Id,
    Guid ItemId,
    ClassificationStatus Status,
    Proposal? Proposal,
    Guid? Supersedes,
    ReclassificationTrigger? Trigger,
    string? ProposedBy,
    IReadOnlyList<string> Proposers,
    IReadOnlyList<string> RolesCommentedThisRound,
    int Round,
    Meeting? Meeting,
    Decree? Decree,
    string? RatifiedBy,
    DateTimeOffset? RatifiedAt,
    DateOnly? OpeningDecisionDueFrom,
    OpeningReason? OpeningReason,
    string? OpeningReference,
    Category? OpenedAs,
    DateTimeOffset? OpenedAt,
    DateTimeOffset UpdatedAt)
{
    public const string StreamType = "classification.classification";

    public static readonly ClassificationState Initial = new(Guid.Empty, Guid.Empty, ClassificationStatus.None, null, null, null, null, [], [], 0,
        null, null, null, null, null, null, null, null, null, default);

    public static string StreamId(Guid classificationId) => $"classification-{classificationId}";

    public bool Exists => Status != ClassificationStatus.None;

    public static ClassificationState Evolve(ClassificationState state, object @event) => @event switch
    {
        ClassificationProposed e => state with
        {
            Id = e.ClassificationId,
            ItemId = e.ItemId,
            Status = ClassificationStatus.InConsultation,
            Proposal = new Proposal(e.Category, e.IntervalMonths, e.Rationale, e.ConsequenceTest, e.TerminationOfInvestigation),
            Supersedes = e.Supersedes,
            Trigger = e.Trigger,
            ProposedBy = e.ProposedBy,
            Proposers = [e.ProposedBy],
            Round = 1,
            UpdatedAt = e.ProposedAt,
        },
        ProposalCommented e => state with
        {
            Status = e.RequiresCorrection ? ClassificationStatus.CorrectionRequested : state.Status,
            RolesCommentedThisRound = state.RolesCommentedThisRound.Contains(e.Role) ? state.RolesCommentedThisRound : [.. state.RolesCommentedThisRound, e.Role],
            UpdatedAt = e.CommentedAt,
        },
        ProposalRevised e => state with
        {
            Status = ClassificationStatus.InConsultation,
            Proposal = new Proposal(e.Category, e.IntervalMonths, e.Rationale, e.ConsequenceTest, e.TerminationOfInvestigation),
            Proposers = state.Proposers.Contains(e.RevisedBy) ? state.Proposers : [.. state.Proposers, e.RevisedBy],
            RolesCommentedThisRound = [],
            Round = state.Round + 1,
            UpdatedAt = e.RevisedAt,
        },
        CoordinationMeetingRecorded e => state with
        {
            Status = e.Outcome == MeetingOutcome.Agreed ? ClassificationStatus.Agreed : ClassificationStatus.CorrectionRequested,
            Meeting = new Meeting(e.MeetingDate, e.Attendees, e.MinutesReference, e.Outcome, e.Notes),
            UpdatedAt = e.RecordedAt,
        },
        ClassificationDetermined e => state with { Status = ClassificationStatus.Determined, Decree = e.Decree, UpdatedAt = e.DeterminedAt },
        ClassificationRatified e => state with { Status = ClassificationStatus.Ratified, RatifiedBy = e.RatifiedBy, RatifiedAt = e.RatifiedAt, UpdatedAt = e.RatifiedAt },
        OpeningDecisionDue e => state with { OpeningDecisionDueFrom = e.DueFrom, UpdatedAt = e.RaisedAt },
        ExemptItemOpened e => state with
        {
            Status = ClassificationStatus.Opened,
            OpeningReason = e.Reason,
            OpeningReference = e.Reference,
            OpenedAs = e.OpenedAs,
            OpenedAt = e.OpenedAt,
            UpdatedAt = e.OpenedAt,
        },
        _ => throw new InvalidOperationException($"A classification does not handle {@event.GetType().Name}."),
    };
}
