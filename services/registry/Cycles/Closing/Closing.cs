using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;

namespace Ppid.Registry.Cycles.Closing;

public sealed record CloseCollection(Guid CycleId);

/// <summary>What closing answers: the cycle's version and the accepted items handed to classification.</summary>
public sealed record CollectionClosedResponse(Guid Id, long Version, IReadOnlyList<AcceptedItem> AcceptedItems);

public static class CloseDecider
{
    /// <summary>
    /// Closes collection with the accepted items (at the versions verified). Items awaiting
    /// verification block closing (the secretariat decides first); items returned and not
    /// submitted again are left out.
    /// </summary>
    public static Decision Decide(Cycle state, CloseCollection command, DateTimeOffset now)
    {
        if (state.Status == CycleStatus.Closed) return Decision.Refuse("cycle-closed", $"Collection for '{state.Period}' is closed already.");
        if (state.Status != CycleStatus.Open) return Decision.Refuse("cycle-not-open", $"Update cycle {command.CycleId} is not open.");
        var pending = state.Items.Where(i => i.Status == CycleItemStatus.Submitted).Select(i => i.ItemId).ToList();
        if (pending.Count > 0)
            return Decision.Refuse("verification-pending", $"{pending.Count} submitted item(s) await verification: {string.Join(", ", pending.Take(10))}.");
        var accepted = state.Items.Where(i => i.Status == CycleItemStatus.Accepted)
            .Select(i => new AcceptedItem(i.ItemId, i.SubmittedVersion, i.HoldingUnit)).ToList();
        return Decision.Accept(new CollectionClosed(command.CycleId, state.Period, accepted, now));
    }
}

/// <summary>Closing collection (PPID or secretariat): registry.collection-closed.v1 carries the accepted items to classification.</summary>
public static class ClosingEndpoint
{
    public static RouteGroupBuilder MapClosing(this RouteGroupBuilder group)
    {
        group.MapPost("/cycles/{id:guid}/close", CloseAsync);
        return group;
    }

    private static async Task<IResult> CloseAsync(Guid id, RequestContext request, HttpContext http, Commands commands, EventStore store, TimeProvider clock,
        CancellationToken ct)
    {
        if (CycleCommands.RequireRole(request, Roles.Ppid, Roles.Sekretariat) is { } forbidden) return forbidden;
        var (ifMatch, bad) = Versions.IfMatch(http.Request);
        if (bad is not null) return bad;
        return await commands.RunAsync(http, request, null, token => CycleCommands.DecideAsync(store, request, id, ifMatch,
            state => CloseDecider.Decide(state, new CloseCollection(id), clock.GetUtcNow()),
            (after, version) => new CollectionClosedResponse(id, version, after.AcceptedItems), token), ct);
    }
}
