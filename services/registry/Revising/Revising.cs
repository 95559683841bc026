using System.Text.Json;
using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Registry.Items;
using Ppid.Registry.ReferenceData;

namespace Ppid.Registry.Revising;

public sealed record ReviseInformationItem(Guid ItemId, ItemDetails Details);

public static class ReviseDecider
{
    /// <summary>Records only what changed; a revision that changes nothing appends nothing.</summary>
    public static Decision Decide(InformationItem state, ReviseInformationItem command, DateTimeOffset now)
    {
        if (!state.Exists || state.Details is not { } current) return Decision.Refuse("not-registered", $"Information item {command.ItemId} is not registered.");
        if (state.Status == ItemStatus.Withdrawn) return Decision.Refuse("item-withdrawn", "A withdrawn item cannot be revised; reinstate it first.");
        var next = command.Details;
        var revised = new InformationItemRevised(
            command.ItemId,
            Changed(current.Title, next.Title),
            Changed(current.Summary, next.Summary),
            Changed(current.HoldingUnit, next.HoldingUnit),
            Changed(current.ResponsibleOfficial, next.ResponsibleOfficial),
            current.ProductionDate == next.ProductionDate ? null : next.ProductionDate,
            Changed(current.ProductionPlace, next.ProductionPlace),
            current.Forms.SequenceEqual(next.Forms) ? null : next.Forms,
            Changed(current.RecordClass, next.RecordClass),
            current.Kind == next.Kind ? null : next.Kind,
            Changed(current.Language, next.Language),
            current.Tags.SequenceEqual(next.Tags, StringComparer.Ordinal) ? null : next.Tags,
            now);
        return revised == new InformationItemRevised(command.ItemId, null, null, null, null, null, null, null, null, null, null, null, now)
            ? Decision.Accept()
            : Decision.Accept(revised);
    }

    private static string? Changed(string current, string next) => string.Equals(current, next, StringComparison.Ordinal) ? null : next;
}

public static class RevisingEndpoint
{
    public static RouteGroupBuilder MapRevising(this RouteGroupBuilder group)
    {
        group.MapPut("/items/{id:guid}", (Guid id, ItemRequest body, RequestContext request, HttpContext http, Commands commands, EventStore store, TimeProvider clock, CancellationToken ct) =>
            ReviseAsync(id, body, replace: true, request, http, commands, store, clock, ct));
        group.MapPatch("/items/{id:guid}", (Guid id, ItemRequest body, RequestContext request, HttpContext http, Commands commands, EventStore store, TimeProvider clock, CancellationToken ct) =>
            ReviseAsync(id, body, replace: false, request, http, commands, store, clock, ct));
        return group;
    }

    /// <summary>
    /// PUT replaces every detail (all required); PATCH changes the fields it sends (absent or null: unchanged).
    /// Both need If-Match: the version the change is based on, or <c>*</c> to change whatever version exists
    /// (still 404 for an item that does not exist).
    /// </summary>
    private static async Task<IResult> ReviseAsync(Guid id, ItemRequest body, bool replace, RequestContext request, HttpContext http, Commands commands,
        EventStore store, TimeProvider clock, CancellationToken ct)
    {
        var (condition, bad) = Versions.IfMatchOrAny(http.Request);
        if (bad is not null) return bad;
        if (condition is not { } ifMatch) return Versions.PreconditionRequired();
        if (body.Documents is not null)
            return Problems.Invalid("documents", "Documents are attached and detached with /items/{id}/documents, not revised.");
        return await commands.RunAsync(http, request, body, token => ItemCommands.DecideAsync(store, request, id, ifMatch.Version, async state =>
        {
            var now = clock.GetUtcNow();
            var known = await ReferenceDataApi.KnownCodesAsync(store.DataSource, request.Tenant, token);
            var errors = new ValidationErrors();
            var requested = replace || state.Details is null ? body : Merge(body, state.Details);
            var details = ItemValidation.Details(requested, known, now, errors);
            if (errors.Any) return (null, Problems.Invalid(errors));
            return (ReviseDecider.Decide(state, new ReviseInformationItem(id, details!), now), null);
        }, null, token), ct);
    }

    private static ItemRequest Merge(ItemRequest patch, ItemDetails current) => new(
        patch.Title ?? current.Title,
        patch.Summary ?? current.Summary,
        patch.HoldingUnit ?? current.HoldingUnit,
        patch.ResponsibleOfficial ?? current.ResponsibleOfficial,
        patch.ProductionDate ?? current.ProductionDate,
        patch.ProductionPlace ?? current.ProductionPlace,
        patch.Forms ?? current.Forms.Select(f => new FormRequest(JsonNamingPolicy.KebabCaseLower.ConvertName(f.Form.ToString()), f.Format, f.Location)).ToList(),
        patch.RecordClass ?? current.RecordClass,
        patch.Kind ?? ItemValidation.KindName(current.Kind),
        patch.Language ?? current.Language,
        patch.Tags ?? current.Tags);
}
