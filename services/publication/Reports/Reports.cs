using System.Text.Json;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Publication;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Publication.Catalog;
using Ppid.Publication.Editions;
using Ppid.Publication.Site;

namespace Ppid.Publication.Reports;

/// <summary>A field's value in each edition; null where the entry has no such field (a DIP field of a DIK entry).</summary>
public sealed record FieldChange(string Field, JsonElement? From, JsonElement? To);

public sealed record ItemChange(Guid ItemId, string Title, string List, IReadOnlyList<FieldChange> Fields);

public sealed record ListedItem(Guid ItemId, string Title, string List);

public sealed record EditionDiff(int From, int To, IReadOnlyList<ListedItem> Added, IReadOnlyList<ListedItem> Removed, IReadOnlyList<ItemChange> Changed);

public sealed record OverdueItem(Guid ItemId, string Title, string HoldingUnit, int IntervalMonths, DateTimeOffset LastUpdatedAt, DateTimeOffset DueAt);

/// <summary>Pure comparisons and checks over public and catalog data.</summary>
public static class Comparisons
{
    /// <summary>
    /// Added, removed and changed items between two editions, by item id. An item that moved
    /// between the DIP and the DIK is "changed" with the field <c>list</c>; the entry number is
    /// not compared (it follows from the order).
    /// </summary>
    public static EditionDiff Diff(EditionPublished from, EditionPublished to)
    {
        var a = Index(from);
        var b = Index(to);
        var added = b.Keys.Except(a.Keys).Select(id => new ListedItem(id, b[id].Title, b[id].List)).OrderBy(x => x.Title, StringComparer.Ordinal).ToList();
        var removed = a.Keys.Except(b.Keys).Select(id => new ListedItem(id, a[id].Title, a[id].List)).OrderBy(x => x.Title, StringComparer.Ordinal).ToList();
        var changed = new List<ItemChange>();
        foreach (var id in a.Keys.Intersect(b.Keys))
        {
            var (listA, _, fieldsA) = a[id];
            var (listB, title, fieldsB) = b[id];
            var changes = new List<FieldChange>();
            if (listA != listB) changes.Add(new FieldChange("list", JsonSerializer.SerializeToElement(listA), JsonSerializer.SerializeToElement(listB)));
            foreach (var name in fieldsA.Keys.Union(fieldsB.Keys).Where(n => n != "number").Order(StringComparer.Ordinal))
            {
                var va = fieldsA.GetValueOrDefault(name);
                var vb = fieldsB.GetValueOrDefault(name);
                if (va.ValueKind == JsonValueKind.Undefined && vb.ValueKind == JsonValueKind.Undefined) continue;
                if (va.ValueKind == JsonValueKind.Undefined || vb.ValueKind == JsonValueKind.Undefined || va.GetRawText() != vb.GetRawText())
                    changes.Add(new FieldChange(name, Defined(va), Defined(vb)));
            }
            if (changes.Count > 0) changed.Add(new ItemChange(id, title, listB, changes));
        }
        return new EditionDiff(from.Number, to.Number, added, removed, [.. changed.OrderBy(c => c.Title, StringComparer.Ordinal)]);
    }

    private static JsonElement? Defined(JsonElement value) => value.ValueKind == JsonValueKind.Undefined ? null : value;

    private static Dictionary<Guid, (string List, string Title, Dictionary<string, JsonElement> Fields)> Index(EditionPublished e) =>
        e.Entries.Select(x => (x.ItemId, List: "dip", x.Title, Fields: Fields(x)))
            .Concat(e.Exemptions.Select(x => (x.ItemId, List: "dik", x.Title, Fields: Fields(x))))
            .ToDictionary(x => x.ItemId, x => (x.List, x.Title, x.Fields));

    private static Dictionary<string, JsonElement> Fields<T>(T entry) =>
        JsonSerializer.SerializeToElement(entry, EventJson.Options).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);

    /// <summary>Berkala items (by the classification in force) not updated within their interval (default six months).</summary>
    public static IReadOnlyList<OverdueItem> Overdue(IReadOnlyList<CatalogItem> catalog, DateTimeOffset now) =>
        [.. catalog.Where(i => i.Listable && i.Category == Category.Berkala && i.ItemUpdatedAt is not null)
            .Select(i =>
            {
                var months = i.Opened is null ? i.Ratified!.IntervalMonths ?? Draft.DefaultBerkalaMonths : Draft.DefaultBerkalaMonths;
                return new OverdueItem(i.ItemId, i.Details!.Title, i.Details.HoldingUnit, months, i.ItemUpdatedAt!.Value, i.ItemUpdatedAt.Value.AddMonths(months));
            })
            .Where(o => o.DueAt <= now)
            .OrderBy(o => o.DueAt).ThenBy(o => o.ItemId)];
}

/// <summary>Authenticated reports under /api/v1/publication.</summary>
public static class ReportEndpoints
{
    public static RouteGroupBuilder MapReports(this RouteGroupBuilder group)
    {
        group.MapGet("/editions/{from:int}/diff/{to:int}", DiffAsync);
        group.MapGet("/overdue", OverdueAsync);
        group.MapGet("/newly-opened", NewlyOpenedAsync);
        return group;
    }

    private static async Task<IResult> DiffAsync(int from, int to, RequestContext request, EventStore store, CancellationToken ct)
    {
        var a = await EditionQueries.ByNumberAsync(store.DataSource, request.Tenant, from, ct);
        if (a is null) return Problems.NotFound($"Edition {from}");
        var b = await EditionQueries.ByNumberAsync(store.DataSource, request.Tenant, to, ct);
        if (b is null) return Problems.NotFound($"Edition {to}");
        return TypedResults.Ok(Comparisons.Diff(a.Edition, b.Edition));
    }

    private static async Task<IResult> OverdueAsync(RequestContext request, EventStore store, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(Comparisons.Overdue(await CatalogQueries.LoadAsync(store.DataSource, request.Tenant, ct), clock.GetUtcNow()));

    private static async Task<IResult> NewlyOpenedAsync(RequestContext request, EventStore store, CancellationToken ct) =>
        TypedResults.Ok((await SiteData.LoadAsync(store, request.Tenant, ct)).NewlyOpened);
}
