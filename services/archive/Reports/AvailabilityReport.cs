using System.Text.Json.Nodes;
using Ppid.Archive.Ledger;

namespace Ppid.Archive.Reports;

public sealed record AvailabilityReportResponse(
    string Month,
    IReadOnlyDictionary<string, int> ByCategory,
    int ItemsAdded,
    int ItemsChanged,
    int ItemsWithdrawn,
    int ItemsOpened,
    int OverdueBerkala,
    int OverdueSertaMerta);

/// <summary>
/// The monthly information-availability report of seed 003 (pure), from the tenant's ledger up to
/// the month's end: items by category (their latest classification, withdrawn items left out);
/// items added, changed (revised or documents attached/detached), withdrawn, and opened (exempt
/// items opened) during the month; overdue berkala items (not in a published edition for longer
/// than their interval, counted from ratification if never published); and overdue serta-merta
/// items (ratified but not published within one day, the "immediately" of Pasal 10).
/// </summary>
public static class AvailabilityReport
{
    public static readonly TimeSpan SertaMertaDelay = TimeSpan.FromDays(1);

    private static readonly string[] Categories = ["berkala", "serta-merta", "setiap-saat", "dikecualikan"];

    private sealed class Item
    {
        public string? Category;
        public int? IntervalMonths;
        public DateTimeOffset? RatifiedAt;
        public DateTimeOffset? PublishedAt;
        public bool Withdrawn;
    }

    public static AvailabilityReportResponse Build(int year, int month, IEnumerable<LedgerEntry> rowsInOrder)
    {
        var start = new DateTimeOffset(year, month, 1, 0, 0, 0, TimeSpan.Zero);
        var end = start.AddMonths(1);
        var items = new Dictionary<Guid, Item>();
        HashSet<Guid> added = [], changed = [], withdrawn = [], opened = [];
        Item For(Guid id) => items.TryGetValue(id, out var i) ? i : items[id] = new Item();
        foreach (var row in rowsInOrder)
        {
            if (row.RecordedAt >= end) break;
            var inMonth = row.RecordedAt >= start;
            var data = JsonNode.Parse(row.Data)!.AsObject();
            var itemId = data["itemId"]?.GetValue<Guid>();
            switch (row.Type)
            {
                case "registry.item-registered.v1":
                    For(itemId!.Value);
                    if (inMonth) added.Add(itemId.Value);
                    break;
                case "registry.item-revised.v1" or "registry.document-attached.v1" or "registry.document-detached.v1":
                    if (inMonth) changed.Add(itemId!.Value);
                    break;
                case "registry.item-withdrawn.v1":
                    For(itemId!.Value).Withdrawn = true;
                    if (inMonth) withdrawn.Add(itemId.Value);
                    break;
                case "registry.item-reinstated.v1":
                    For(itemId!.Value).Withdrawn = false;
                    break;
                case "classification.classification-ratified.v1":
                {
                    var item = For(itemId!.Value);
                    item.Category = data["category"]!.GetValue<string>();
                    item.IntervalMonths = data["intervalMonths"]?.GetValue<int?>();
                    item.RatifiedAt = data["ratifiedAt"]!.GetValue<DateTimeOffset>();
                    item.PublishedAt = null;
                    break;
                }
                case "classification.exempt-item-opened.v1":
                    For(itemId!.Value).Category = data["openedAs"]!.GetValue<string>();
                    if (inMonth) opened.Add(itemId.Value);
                    break;
                case "publication.entry-published.v1":
                    For(data["entry"]!["itemId"]!.GetValue<Guid>()).PublishedAt = data["publishedAt"]!.GetValue<DateTimeOffset>();
                    break;
                case "publication.edition-published.v1":
                    foreach (var entry in data["entries"]!.AsArray())
                        For(entry!["itemId"]!.GetValue<Guid>()).PublishedAt = data["publishedAt"]!.GetValue<DateTimeOffset>();
                    break;
            }
        }
        var current = items.Values.Where(i => !i.Withdrawn && i.Category is not null).ToList();
        var byCategory = Categories.ToDictionary(c => c, c => current.Count(i => i.Category == c), StringComparer.Ordinal);
        var overdueBerkala = current.Count(i => i.Category == "berkala"
            && (i.PublishedAt ?? i.RatifiedAt)!.Value.AddMonths(i.IntervalMonths ?? 6) < end);
        var overdueSertaMerta = current.Count(i => i.Category == "serta-merta"
            && (i.PublishedAt is null ? i.RatifiedAt!.Value + SertaMertaDelay < end : i.PublishedAt > i.RatifiedAt + SertaMertaDelay));
        return new AvailabilityReportResponse($"{year:D4}-{month:D2}", byCategory, added.Count, changed.Count, withdrawn.Count, opened.Count, overdueBerkala, overdueSertaMerta);
    }
}
