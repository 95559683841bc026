using Npgsql;
using Ppid.Classification.Classifications;
using Ppid.Contracts.Classification;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Roles = Ppid.Platform.Http.Roles;

namespace Ppid.Classification.Opening;

public sealed record OpeningRequest(string? Reason, string? Reference, string? OpenedAs);

public sealed record OpenExemptItem(OpeningReason Reason, string? Reference, Category OpenedAs);

/// <summary>
/// An exempt item opens: by a decision of the Information Commission or a court (recorded by the
/// PPID with its reference, effective at once), or when its period ends (the expiry scheduler).
/// Only the item's current, ratified exemption can open; a superseded one is no longer in force.
/// </summary>
public static class OpenDecider
{
    public static Decision Decide(ClassificationState state, bool superseded, OpenExemptItem command, DateTimeOffset now)
    {
        if (superseded) return ClassificationCommands.WrongOrder("This classification was superseded by a reclassification: open the current one.");
        if (state.Status == ClassificationStatus.Opened) return ClassificationCommands.WrongOrder("The item is already open.");
        if (state.Status != ClassificationStatus.Ratified)
            return ClassificationCommands.WrongOrder($"Only a ratified exemption can be opened; the classification is {Wire.Name(state.Status)}.");
        if (state.Proposal!.Category != Category.Dikecualikan)
            return Decision.Refuse("not-exempt", $"The item is {Wire.Name(state.Proposal.Category)}, not dikecualikan: there is nothing to open.");
        if (command.OpenedAs == Category.Dikecualikan) return Decision.Refuse("opened-as-exempt", "An opened item cannot stay dikecualikan.");
        return Decision.Accept(new ExemptItemOpened(state.Id, state.ItemId, command.Reason, command.Reference, command.OpenedAs, now));
    }
}

public static class OpeningEndpoint
{
    public static RouteGroupBuilder MapOpening(this RouteGroupBuilder group)
    {
        group.MapPost("/classifications/{id:guid}/opening", OpenAsync);
        return group;
    }

    private static async Task<IResult> OpenAsync(Guid id, OpeningRequest body, RequestContext request, HttpContext http, Commands commands, EventStore store,
        NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (ClassificationCommands.RequireRole(request, "Recording a Commission or court decision", Roles.Ppid) is { } forbidden) return forbidden;
        var (ifMatch, bad) = ClassificationCommands.RequireIfMatch(http.Request);
        if (bad is not null) return bad;
        var errors = new ValidationErrors();
        OpeningReason reason = default;
        if (string.IsNullOrWhiteSpace(body.Reason)) errors.Add("reason", "Required: commission-decision or court-decision.");
        else if (!Wire.TryParse(body.Reason, out reason) || reason == OpeningReason.Expired)
            errors.Add("reason", "Must be commission-decision or court-decision (expiry opens items by itself).");
        var reference = errors.Required("reference", body.Reference, 300);
        var openedAs = Category.SetiapSaat;
        if (body.OpenedAs is not null && (!Wire.TryParse(body.OpenedAs, out openedAs) || openedAs == Category.Dikecualikan))
            errors.Add("openedAs", "Must be berkala, serta-merta or setiap-saat.");
        if (errors.Any) return Problems.Invalid(errors);
        var command = new OpenExemptItem(reason, reference, openedAs);
        return await commands.RunAsync(http, request, body, token => ClassificationCommands.DecideAsync(store, request, id, ifMatch, async state =>
        {
            var superseded = await ClassificationCommands.StatusAsync(db, request.Tenant, id, token) == ClassificationsProjection.Superseded;
            return OpenDecider.Decide(state, superseded, command, clock.GetUtcNow());
        }, token), ct);
    }
}
