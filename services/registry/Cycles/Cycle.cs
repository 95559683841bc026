using Ppid.Contracts.Registry;

namespace Ppid.Registry.Cycles;

public enum CycleStatus
{
    None,
    Open,
    Closed,
}

/// <summary>Where an item stands in a cycle: handed over and awaiting the secretariat, accepted, or returned for correction.</summary>
public enum CycleItemStatus
{
    Submitted,
    Accepted,
    Returned,
}

/// <summary>One hand-over of an item and the secretariat's answer to it (null while awaiting verification).</summary>
public sealed record VerificationRound(
    int Round,
    string ReceiptNumber,
    long SubmittedVersion,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? VerifyDueAt,
    CycleItemStatus? Outcome,
    string? Notes,
    DateTimeOffset? VerifiedAt);

/// <summary>An item in a cycle with every verification round it went through.</summary>
public sealed record CycleItem(Guid ItemId, string HoldingUnit, CycleItemStatus Status, long SubmittedVersion, IReadOnlyList<VerificationRound> Rounds);

/// <summary>A submission as receipted (tanda terima).</summary>
public sealed record Submission(Guid SubmissionId, string ReceiptNumber, string Unit, IReadOnlyList<SubmittedItem> Items, DateTimeOffset SubmittedAt, DateTimeOffset? VerifyDueAt);

/// <summary>A DIP update cycle as its stream says; also the detail document of the <c>cycles</c> read model.</summary>
public sealed record Cycle(
    Guid Id,
    CycleStatus Status,
    string Period,
    int Year,
    IReadOnlyList<CycleStep> Steps,
    DateTimeOffset OpenedAt,
    DateTimeOffset? ClosedAt,
    IReadOnlyList<Submission> Submissions,
    IReadOnlyList<CycleItem> Items,
    IReadOnlyList<AcceptedItem> AcceptedItems)
{
    public const string StreamType = "registry.cycle";

    public static readonly Cycle Initial = new(Guid.Empty, CycleStatus.None, "", 0, [], default, null, [], [], []);

    public static string StreamId(Guid cycleId) => $"cycle-{cycleId}";

    public CycleItem? Item(Guid itemId) => Items.FirstOrDefault(i => i.ItemId == itemId);

    public static Cycle Evolve(Cycle state, object @event) => @event switch
    {
        UpdateCycleOpened e => state with { Id = e.CycleId, Status = CycleStatus.Open, Period = e.Period, Year = e.Year, Steps = e.Steps, OpenedAt = e.OpenedAt },
        ItemsSubmitted e => Submitted(state, e),
        SubmittedItemAccepted e => Verified(state, e.ItemId, CycleItemStatus.Accepted, e.Notes, e.AcceptedAt),
        SubmittedItemReturned e => Verified(state, e.ItemId, CycleItemStatus.Returned, e.Notes, e.ReturnedAt),
        CollectionClosed e => state with { Status = CycleStatus.Closed, ClosedAt = e.ClosedAt, AcceptedItems = e.AcceptedItems },
        _ => throw new InvalidOperationException($"An update cycle does not handle {@event.GetType().Name}."),
    };

    private static Cycle Submitted(Cycle state, ItemsSubmitted e)
    {
        var items = state.Items.ToList();
        foreach (var s in e.Items)
        {
            var index = items.FindIndex(i => i.ItemId == s.ItemId);
            var rounds = index < 0 ? [] : items[index].Rounds;
            var item = new CycleItem(s.ItemId, s.HoldingUnit, CycleItemStatus.Submitted, s.ItemVersion,
                [.. rounds, new VerificationRound(rounds.Count + 1, e.ReceiptNumber, s.ItemVersion, e.SubmittedAt, e.VerifyDueAt, null, null, null)]);
            if (index < 0) items.Add(item);
            else items[index] = item;
        }
        return state with { Submissions = [.. state.Submissions, new Submission(e.SubmissionId, e.ReceiptNumber, e.Unit, e.Items, e.SubmittedAt, e.VerifyDueAt)], Items = items };
    }

    private static Cycle Verified(Cycle state, Guid itemId, CycleItemStatus outcome, string? notes, DateTimeOffset at) => state with
    {
        Items = [.. state.Items.Select(i => i.ItemId != itemId ? i : i with
        {
            Status = outcome,
            Rounds = [.. i.Rounds.Take(i.Rounds.Count - 1), i.Rounds[^1] with { Outcome = outcome, Notes = notes, VerifiedAt = at }],
        })],
    };
}
