using Npgsql;
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
        return OfTenant(loaded, tenant);
    }

    private static Loaded<Cycle>? OfTenant(Loaded<Cycle>? loaded, string tenant) =>
        loaded is not null && string.Equals(loaded.Tenant, tenant, StringComparison.Ordinal) ? loaded : null;

    /// <summary>
    /// Locks the cycle's stream row until the transaction ends and loads the cycle as committed, on the
    /// transaction's own connection (<see cref="EventStore.LockAndLoadAsync"/>). Every append to the
    /// stream locks that row too, so nothing changes the cycle between this load and the caller's
    /// append: concurrent commands on one cycle queue instead of failing with a version conflict.
    /// </summary>
    public static async Task<Loaded<Cycle>> LockAndLoadAsync(EventStore store, NpgsqlConnection connection, NpgsqlTransaction tx, string tenant, Guid cycleId,
        CancellationToken ct)
    {
        var loaded = await store.LockAndLoadAsync(connection, tx, Cycle.StreamId(cycleId), Cycle.Initial, Cycle.Evolve, ct);
        return OfTenant(loaded, tenant) ?? throw new InvalidOperationException($"Update cycle {cycleId} vanished.");
    }

    /// <summary>
    /// Decides on the cycle as loaded, to refuse early without taking a lock; then decides again under
    /// the cycle's lock (<see cref="LockAndLoadAsync"/>) in the append's transaction. With
    /// <paramref name="ifMatch"/>, the client's version must be the current one (409 otherwise).
    /// </summary>
    public static async Task<CommandOutcome> DecideAsync(EventStore store, RequestContext request, Guid cycleId, long? ifMatch, Func<Cycle, Decision> decide,
        Func<Cycle, long, object>? body, CancellationToken ct)
    {
        var loaded = await store.LoadCycleAsync(request.Tenant, cycleId, ct);
        if (loaded is null) return new Failed(Problems.NotFound($"Update cycle {cycleId}"));
        CheckIfMatch(cycleId, ifMatch, loaded.Version);
        if (decide(loaded.State).Error is { } early) return new Failed(Problems.Refused(early));
        return new Pending(Cycle.StreamId(cycleId), Cycle.StreamType, ExpectedVersion.Exactly(loaded.Version), loaded.Version, [], StatusCodes.Status200OK,
            _ => throw new InvalidOperationException("A cycle command is completed in the transaction."))
        {
            InTransaction = async (connection, tx, token) =>
            {
                var current = await LockAndLoadAsync(store, connection, tx, request.Tenant, cycleId, token);
                CheckIfMatch(cycleId, ifMatch, current.Version);
                var decision = decide(current.State);
                if (decision.Error is { } error) return new Failed(Problems.Refused(error));
                var after = decision.Events.Aggregate(current.State, Cycle.Evolve);
                return new Pending(Cycle.StreamId(cycleId), Cycle.StreamType, ExpectedVersion.Exactly(current.Version), current.Version, decision.Events,
                    StatusCodes.Status200OK, version => body is null ? new CycleChanged(cycleId, version) : body(after, version));
            },
        };
    }

    private static void CheckIfMatch(Guid cycleId, long? ifMatch, long version)
    {
        if (ifMatch is { } expected && expected != version)
            throw new ConcurrencyException(Cycle.StreamId(cycleId), ExpectedVersion.Exactly(expected), version);
    }
}
