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
