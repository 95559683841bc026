using MassTransit;

namespace Ppid.Contracts.Registry;

// The events of one DIP update cycle (pemutakhiran DIP): a stream of type registry.cycle per cycle.
// Other services need only CollectionClosed (classification's worklist) and the steps' due dates
// (archive's time-standard report); the registry may add more events of this stream type here.

/// <summary>One SOP step of a cycle with its due instant, computed from the tenant's SOP profile and working-day calendar.</summary>
public sealed record CycleStep(string Code, string Name, DateTimeOffset DueAt);

[MessageUrn("registry.cycle-opened.v1"), StreamType("registry.cycle")]
public sealed record UpdateCycleOpened(Guid CycleId, string Period, int Year, IReadOnlyList<CycleStep> Steps, DateTimeOffset OpenedAt);

/// <summary>An item accepted in a cycle, at the item version the secretariat verified.</summary>
public sealed record AcceptedItem(Guid ItemId, long ItemVersion, string HoldingUnit);

/// <summary>Collection is over: the accepted items go to classification (which consumes this event).</summary>
[MessageUrn("registry.collection-closed.v1"), StreamType("registry.cycle")]
public sealed record CollectionClosed(Guid CycleId, string Period, IReadOnlyList<AcceptedItem> AcceptedItems, DateTimeOffset ClosedAt);

// Registry-internal events of the cycle stream: submissions with their receipt (tanda terima) and
// the secretariat's verification of each submitted item, round after round.

/// <summary>An item handed over in a submission, at the version the unit submitted, with its holding unit at that version.</summary>
public sealed record SubmittedItem(Guid ItemId, long ItemVersion, string HoldingUnit);

/// <summary>
/// A unit handed items over into the cycle and got receipt <see cref="ReceiptNumber"/> (sequential per tenant and year, e.g. TT/2027/0001).
/// <see cref="VerifyDueAt"/>: when the secretariat's verification of these items is due by the tenant's SOP (none when its profile has no verify step).
/// </summary>
[MessageUrn("registry.items-submitted.v1"), StreamType("registry.cycle")]
public sealed record ItemsSubmitted(Guid CycleId, Guid SubmissionId, string ReceiptNumber, string Unit, IReadOnlyList<SubmittedItem> Items, DateTimeOffset SubmittedAt,
    DateTimeOffset? VerifyDueAt);

/// <summary>The secretariat found the submitted item (at <see cref="ItemVersion"/>) complete and conforming.</summary>
[MessageUrn("registry.submitted-item-accepted.v1"), StreamType("registry.cycle")]
public sealed record SubmittedItemAccepted(Guid CycleId, Guid ItemId, long ItemVersion, string? Notes, DateTimeOffset AcceptedAt);

/// <summary>The secretariat returned the submitted item for correction; the unit revises it and submits it again.</summary>
[MessageUrn("registry.submitted-item-returned.v1"), StreamType("registry.cycle")]
public sealed record SubmittedItemReturned(Guid CycleId, Guid ItemId, long ItemVersion, string Notes, DateTimeOffset ReturnedAt);
