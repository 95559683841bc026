using System.Diagnostics;

namespace Ppid.Platform.EventSourcing;

/// <summary>Who and what caused an event; stored with every event and carried on the wire.</summary>
public sealed record EventMetadata(
    string Tenant,
    string? ActorId = null,
    string? ActorRole = null,
    string? ClientSystem = null,
    string? CorrelationId = null,
    string? CausationId = null,
    string? TraceParent = null,
    string? TraceState = null)
{
    /// <summary>Metadata for work done by the suite itself (schedulers, consumers) on a tenant's behalf.</summary>
    public static EventMetadata System(string tenant, string actor, string? correlationId = null, string? causationId = null) =>
        new EventMetadata(tenant, actor, "system", "ppid-suite", correlationId, causationId).WithCurrentTrace();

    /// <summary>Captures the W3C trace context of the current activity, so later work (forwarding) can link back.</summary>
    public EventMetadata WithCurrentTrace()
    {
        var activity = Activity.Current;
        return activity is null ? this : this with { TraceParent = activity.Id, TraceState = activity.TraceStateString };
    }
}

/// <summary>An event to append: its payload and, optionally, a chosen id (for idempotent producers).</summary>
public sealed record EventData(object Data, Guid? EventId = null);
