using Ppid.Classification.Classifications;
using Ppid.Contracts.Classification;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Roles = Ppid.Platform.Http.Roles;

namespace Ppid.Classification.Ratifying;

public sealed record Ratify(string ActorId);

/// <summary>
/// Step 6: the Atasan PPID ratifies what the PPID determined; only then is the classification final
/// (ClassificationRatified, which publication and archive consume). Whoever proposed or revised
/// the proposal cannot ratify it (four eyes).
/// </summary>
public static class RatifyDecider
{
    public static Decision Decide(ClassificationState state, Ratify command, KnownItems.KnownItem item, DateTimeOffset now)
    {
        if (state.Status != ClassificationStatus.Determined)
        {
            return ClassificationCommands.WrongOrder(state.Status is ClassificationStatus.Ratified or ClassificationStatus.Opened
                ? $"The classification is already {Wire.Name(state.Status)}."
                : "The Atasan PPID ratifies only what the PPID determined; there is no determination yet.");
        }
        if (state.Proposers.Contains(command.ActorId, StringComparer.Ordinal))
            return Decision.Refuse(ClassificationCommands.ProposerCannotRatifyCode, $"{command.ActorId} proposed or revised this classification and cannot also ratify it.");
        if (ItemGuard.Check(state, item) is { } refused) return refused;
        var p = state.Proposal!;
        return Decision.Accept(new ClassificationRatified(state.Id, state.ItemId, p.Category, p.IntervalMonths, p.Rationale, p.ConsequenceTest, state.Decree!,
            state.Supersedes, command.ActorId, now));
    }
}

public static class RatifyingEndpoint
{
    public static RouteGroupBuilder MapRatifying(this RouteGroupBuilder group)
    {
        group.MapPost("/classifications/{id:guid}/ratification", RatifyAsync);
        return group;
    }

    private static async Task<IResult> RatifyAsync(Guid id, RequestContext request, HttpContext http, Commands commands, EventStore store, Npgsql.NpgsqlDataSource db,
        TimeProvider clock, CancellationToken ct)
    {
        if (ClassificationCommands.RequireRole(request, "Ratification", Roles.AtasanPpid) is { } forbidden) return forbidden;
        var (ifMatch, bad) = ClassificationCommands.RequireIfMatch(http.Request);
        if (bad is not null) return bad;
        return await commands.RunAsync(http, request, null, token => ClassificationCommands.DecideAsync(store, request, id, ifMatch,
            async state => RatifyDecider.Decide(state, new Ratify(request.ActorId!), await ItemGuard.ItemAsync(db, request.Tenant, state, token), clock.GetUtcNow()), token), ct);
    }
}
