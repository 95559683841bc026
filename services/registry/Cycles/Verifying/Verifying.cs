using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Registry.Items;

namespace Ppid.Registry.Cycles.Verifying;

public sealed record VerifySubmittedItem(Guid CycleId, Guid ItemId, bool Accepted, string? Notes);

public sealed record VerificationRequest(string? Outcome, string? Notes);

public static class VerifyDecider
{
    /// <summary>
    /// Only an item awaiting verification is verified, at the version that was submitted; a returned
    /// item needs notes saying what to correct; an item withdrawn since it was submitted
    /// (<paramref name="itemActive"/> false) cannot be accepted.
    /// </summary>
    public static Decision Decide(Cycle state, VerifySubmittedItem command, bool itemActive, DateTimeOffset now)
    {
        if (state.Status == CycleStatus.Closed) return Decision.Refuse("cycle-closed", $"Collection for '{state.Period}' is closed.");
        if (state.Status != CycleStatus.Open) return Decision.Refuse("cycle-not-open", $"Update cycle {command.CycleId} is not open.");
        var item = state.Item(command.ItemId);
        if (item is null) return Decision.Refuse("item-not-submitted", $"Item {command.ItemId} was not submitted in this cycle.");
        if (item.Status != CycleItemStatus.Submitted)
        {
            return Decision.Refuse("item-not-awaiting-verification", item.Status == CycleItemStatus.Accepted
                ? $"Item {command.ItemId} was accepted already."
                : $"Item {command.ItemId} was returned for correction: it must be submitted again before it is verified.");
        }
        if (command.Accepted && !itemActive)
            return Decision.Refuse("item-withdrawn", $"Item {command.ItemId} was withdrawn after it was submitted: return it, or reinstate it first.");
        if (command.Accepted) return Decision.Accept(new SubmittedItemAccepted(command.CycleId, command.ItemId, item.SubmittedVersion, command.Notes, now));
        if (string.IsNullOrWhiteSpace(command.Notes)) return Decision.Refuse("notes-required", "Say what to correct when returning an item.");
        return Decision.Accept(new SubmittedItemReturned(command.CycleId, command.ItemId, item.SubmittedVersion, command.Notes, now));
    }
}

/// <summary>The secretariat verifies each submitted item: accepted, or returned with notes for correction.</summary>
public static class VerifyingEndpoint
{
    public static RouteGroupBuilder MapVerifying(this RouteGroupBuilder group)
    {
        group.MapPost("/cycles/{id:guid}/items/{itemId:guid}/verification", VerifyAsync);
        return group;
    }

    private static async Task<IResult> VerifyAsync(Guid id, Guid itemId, VerificationRequest body, RequestContext request, HttpContext http, Commands commands,
        EventStore store, TimeProvider clock, CancellationToken ct)
    {
        if (CycleCommands.RequireRole(request, Roles.Sekretariat) is { } forbidden) return forbidden;
        var (ifMatch, bad) = Versions.IfMatch(http.Request);
        if (bad is not null) return bad;
        var errors = new ValidationErrors();
        bool? accepted = body.Outcome?.Trim() switch
        {
            "accepted" => true,
            "returned" => false,
            _ => null,
        };
        if (accepted is null) errors.Add("outcome", "Must be accepted or returned.");
        string? notes = null;
        if (accepted == false) notes = errors.Required("notes", body.Notes, ItemValidation.ReasonMax);
        else if (body.Notes is { Length: > ItemValidation.ReasonMax }) errors.Add("notes", $"At most {ItemValidation.ReasonMax} characters.");
        else notes = string.IsNullOrWhiteSpace(body.Notes) ? null : body.Notes.Trim();
        if (errors.Any) return Problems.Invalid(errors);
        return await commands.RunAsync(http, request, body, async token =>
        {
            var item = await store.LoadItemAsync(request.Tenant, itemId, token);
            var active = item?.State.Status == ItemStatus.Active;
            return await CycleCommands.DecideAsync(store, request, id, ifMatch,
                state => VerifyDecider.Decide(state, new VerifySubmittedItem(id, itemId, accepted!.Value, notes), active, clock.GetUtcNow()), null, token);
        }, ct);
    }
}
