using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Registry.Items;

namespace Ppid.Registry.Withdrawing;

public sealed record WithdrawInformationItem(Guid ItemId, string Reason);

public sealed record ReinstateInformationItem(Guid ItemId);

public sealed record WithdrawRequest(string? Reason);

public static class WithdrawDecider
{
    public static Decision Decide(InformationItem state, WithdrawInformationItem command, DateTimeOffset now) =>
        !state.Exists ? Decision.Refuse("not-registered", $"Information item {command.ItemId} is not registered.")
        : state.Status == ItemStatus.Withdrawn ? Decision.Refuse("item-withdrawn", "The item is already withdrawn.")
        : Decision.Accept(new InformationItemWithdrawn(command.ItemId, command.Reason, now));

    public static Decision Decide(InformationItem state, ReinstateInformationItem command, DateTimeOffset now) =>
        !state.Exists ? Decision.Refuse("not-registered", $"Information item {command.ItemId} is not registered.")
        : state.Status != ItemStatus.Withdrawn ? Decision.Refuse("item-not-withdrawn", "Only a withdrawn item can be reinstated.")
        : Decision.Accept(new InformationItemReinstated(command.ItemId, now));
}

/// <summary>Withdraw (the body no longer holds the information, with a reason) and reinstate. If-Match is optional here.</summary>
public static class WithdrawingEndpoint
{
    public static RouteGroupBuilder MapWithdrawing(this RouteGroupBuilder group)
    {
        group.MapPost("/items/{id:guid}/withdraw", WithdrawAsync);
        group.MapPost("/items/{id:guid}/reinstate", ReinstateAsync);
        return group;
    }

    private static async Task<IResult> WithdrawAsync(Guid id, WithdrawRequest body, RequestContext request, HttpContext http, Commands commands,
        EventStore store, TimeProvider clock, CancellationToken ct)
    {
        var (ifMatch, bad) = Versions.IfMatch(http.Request);
        if (bad is not null) return bad;
        var errors = new ValidationErrors();
        var reason = errors.Required("reason", body.Reason, ItemValidation.ReasonMax);
        if (errors.Any) return Problems.Invalid(errors);
        return await commands.RunAsync(http, request, body, token => ItemCommands.DecideAsync(store, request, id, ifMatch,
            state => Task.FromResult<(Decision?, IResult?)>((WithdrawDecider.Decide(state, new WithdrawInformationItem(id, reason!), clock.GetUtcNow()), null)),
            null, token), ct);
    }

    private static async Task<IResult> ReinstateAsync(Guid id, RequestContext request, HttpContext http, Commands commands, EventStore store, TimeProvider clock, CancellationToken ct)
    {
        var (ifMatch, bad) = Versions.IfMatch(http.Request);
        if (bad is not null) return bad;
        return await commands.RunAsync(http, request, null, token => ItemCommands.DecideAsync(store, request, id, ifMatch,
            state => Task.FromResult<(Decision?, IResult?)>((WithdrawDecider.Decide(state, new ReinstateInformationItem(id), clock.GetUtcNow()), null)),
            null, token), ct);
    }
}
