using System.Text.Json;

namespace Ppid.Archive.Ledger;

/// <summary>
/// The items an event concerns: every <c>itemId</c> anywhere in its data (an item's own events,
/// a classification, a DIP entry, each entry and exemption of an edition, a cycle's accepted
/// items). Walking the JSON rather than listing event types keeps new events indexed.
/// </summary>
public static class ItemIds
{
    public static IReadOnlySet<Guid> In(string dataJson)
    {
        var ids = new HashSet<Guid>();
        using var document = JsonDocument.Parse(dataJson);
        Collect(document.RootElement, ids);
        return ids;
    }

    private static void Collect(JsonElement element, HashSet<Guid> ids)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.NameEquals("itemId") && property.Value.ValueKind == JsonValueKind.String && property.Value.TryGetGuid(out var id)) ids.Add(id);
                    else Collect(property.Value, ids);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) Collect(item, ids);
                break;
        }
    }
}
