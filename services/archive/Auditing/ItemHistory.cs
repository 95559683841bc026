using System.Text.Json.Nodes;
using Ppid.Archive.Ledger;

namespace Ppid.Archive.Auditing;

/// <summary>Who acted: the person, their role and the client system they came through (from the event's metadata).</summary>
public sealed record Actor(string? Person, string? Role, string? ClientSystem);

/// <summary>One step of an item's history: when, which service, what happened, who, under which decision, what changed.</summary>
public sealed record HistoryStep(
    long LedgerSequence,
    DateTimeOffset RecordedAt,
    string Service,
    string StreamId,
    long StreamVersion,
    string Type,
    Guid EventId,
    Actor Who,
    string? Decision,
    string? CorrelationId,
    bool ChainIntact,
    IReadOnlyList<FieldChange> Changes);

public sealed record ItemHistoryResponse(Guid ItemId, IReadOnlyList<HistoryStep> Steps, JsonObject State);

/// <summary>Replays an item's ledger entries into its history and state (pure).</summary>
public static class ItemHistory
{
    public static ItemHistoryResponse Build(Guid itemId, IEnumerable<LedgerEntry> rowsInOrder)
    {
        var state = ItemState.Initial();
        var steps = new List<HistoryStep>();
        foreach (var row in rowsInOrder)
        {
            var data = JsonNode.Parse(row.Data) as JsonObject ?? [];
            var next = ItemState.Evolve(state, itemId, row.Type, data);
            var metadata = row.ReadMetadata();
            steps.Add(new HistoryStep(row.Sequence, row.RecordedAt, row.SourceService, row.StreamId, row.StreamVersion, row.Type, row.EventId,
                new Actor(metadata.ActorId, metadata.ActorRole, metadata.ClientSystem), DecisionOf(itemId, data), metadata.CorrelationId,
                row.ChainIntact, JsonDiff.Between(state, next)));
            state = next;
        }
        return new ItemHistoryResponse(itemId, steps, state);
    }

    /// <summary>The decision or decree an event was taken under, where its data names one.</summary>
    public static string? DecisionOf(Guid itemId, JsonObject data)
    {
        if (data["decree"] is JsonObject decree && decree["number"] is { } number) return $"SK {number.GetValue<string>()}";
        if (data["decreeNumber"] is JsonValue decreeNumber) return $"SK {decreeNumber.GetValue<string>()}";
        if (data["reference"] is JsonValue reference) return reference.GetValue<string>();
        if (data["decisionReference"] is JsonValue decision) return decision.GetValue<string>();
        if (data["minutesReference"] is JsonValue minutes) return $"Notulen {minutes.GetValue<string>()}";
        if (data["receiptNumber"] is JsonValue receipt) return $"Tanda terima {receipt.GetValue<string>()}";
        if (data["entry"] is JsonObject entry && entry["decreeNumber"] is JsonValue entryDecree) return $"SK {entryDecree.GetValue<string>()}";
        var id = itemId.ToString();
        foreach (var list in new[] { "entries", "exemptions" })
            foreach (var e in data[list] as JsonArray ?? [])
                if (string.Equals(e?["itemId"]?.GetValue<string>(), id, StringComparison.OrdinalIgnoreCase) && e?["decreeNumber"] is JsonValue d)
                    return $"SK {d.GetValue<string>()}";
        return null;
    }
}
