using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;

namespace Ppid.Registry.Cycles;

/// <summary>What a command on a cycle answers: the cycle and its new version (also the ETag).</summary>
public sealed record CycleChanged(Guid Id, long Version);

/// <summary>The steps every command on a cycle shares: who may act, load within the tenant, decide, append expecting the version decided on.</summary>
public static class CycleCommands
{
    /// <summary>A 403 problem unless the actor acts in one of <paramref name="roles"/> (the SOP's step owners).</summary>
    public static IResult? RequireRole(RequestContext request, params string[] roles) =>
        request.ActorRole is { } role && roles.Contains(role, StringComparer.Ordinal)
            ? null
            : TypedResults.Problem(title: "Not allowed in this role", statusCode: StatusCodes.Status403Forbidden, type: Problems.TypeBase + "role-not-allowed",
                detail: $"This step is done in the role {string.Join(" or ", roles)} (X-Actor-Role); the caller acts as '{request.ActorRole ?? "(none)"}'.");

    /// <summary>The cycle's state, or null when it does not exist for this tenant (another tenant's cycle is "not found" too).</summary>
    public static async Task<Loaded<Cycle>?> LoadCycleAsync(this EventStore store, string tenant, Guid cycleId, CancellationToken ct)
    {
        var loaded = await store.LoadAsync(Cycle.StreamId(cycleId), Cycle.Initial, Cycle.Evolve, ct: ct);
        return loaded is null || !string.Equals(loaded.Tenant, tenant, StringComparison.Ordinal) ? null : loaded;
    }

    /// <summary>Decides on the cycle as loaded; a concurrent change to the cycle makes the append fail with 409 rather than be lost.</summary>
    public static async Task<CommandOutcome> DecideAsync(EventStore store, RequestContext request, Guid cycleId, Func<Cycle, Decision> decide,
        Func<Cycle, long, object>? body, CancellationToken ct)
    {
        var loaded = await store.LoadCycleAsync(request.Tenant, cycleId, ct);
        if (loaded is null) return new Failed(Problems.NotFound($"Update cycle {cycleId}"));
        var decision = decide(loaded.State);
        if (decision.Error is { } error) return new Failed(Problems.Refused(error));
        var after = decision.Events.Aggregate(loaded.State, Cycle.Evolve);
        return new Pending(Cycle.StreamId(cycleId), Cycle.StreamType, ExpectedVersion.Exactly(loaded.Version), loaded.Version, decision.Events,
            StatusCodes.Status200OK, version => body is null ? new CycleChanged(cycleId, version) : body(after, version));
    }
}
