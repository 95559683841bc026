using Npgsql;

namespace Ppid.Testing.Load;

/// <summary>Serta-merta visibility measured from the services' own records rather than by polling.</summary>
/// <param name="RatificationToConsumed">
/// Ratified → publication's consumer began the transaction that took the ratification in (its inbox
/// row's <c>processed_at</c>, the transaction's start): the forwarder, the broker and the queue's wait.
/// The rest of <paramref name="RatificationToPublic"/> is that consumer transaction.
/// </param>
public sealed record ServerSideTimings(Distribution RatificationToPublic, Distribution RatificationToArchived, Distribution RatificationToConsumed);

/// <summary>
/// The serta-merta fast path timed from the suite's own records, free of the polling's resolution
/// and of its cost: for each serta-merta item, from the <c>ClassificationRatified</c> event's
/// recorded time (classification's store) to the <c>EntryPublished</c> event's (publication's store:
/// the public page reads it from that commit on) and to the archive's receipt of that
/// <c>EntryPublished</c> in its ledger. Every process reads the same machine clock.
/// </summary>
public static class SopTimings
{
    public static async Task<ServerSideTimings> SertaMertaAsync(Suite suite, IReadOnlyList<LoadTenant> tenants)
    {
        var items = tenants.SelectMany(t => t.SertaMertaItems).ToArray();
        // Each ratification event once: by event id for publication's inbox, by item (the latest) for the rest.
        var ratifiedEvents = new Dictionary<Guid, (Guid Item, DateTimeOffset At)>();
        await using (var cmd = suite.Database("classification").DataSource.CreateCommand(
            "select event_id, (data->>'itemId')::uuid, recorded_at from events where type = 'classification.classification-ratified.v1' and (data->>'itemId')::uuid = any($1)"))
        {
            cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = items });
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) ratifiedEvents[reader.GetGuid(0)] = (reader.GetGuid(1), reader.GetFieldValue<DateTimeOffset>(2));
        }
        var ratified = ratifiedEvents.Values.GroupBy(r => r.Item).ToDictionary(g => g.Key, g => g.Max(r => r.At));
        var consumed = await TimesAsync(suite, "publication",
            "select event_id, processed_at from inbox where consumer = 'publication.catalog' and event_id = any($1)", [.. ratifiedEvents.Keys]);
        var published = await TimesAsync(suite, "publication",
            "select (data->'entry'->>'itemId')::uuid, min(recorded_at) from events where type = 'publication.entry-published.v1' and (data->'entry'->>'itemId')::uuid = any($1) group by 1", items);
        var archived = await TimesAsync(suite, "archive",
            "select (data::jsonb->'entry'->>'itemId')::uuid, min(received_at) from ledger where type = 'publication.entry-published.v1' and (data::jsonb->'entry'->>'itemId')::uuid = any($1) group by 1", items);
        return new ServerSideTimings(
            new Distribution(items.Where(i => ratified.ContainsKey(i) && published.ContainsKey(i)).Select(i => (published[i] - ratified[i]).TotalMilliseconds)),
            new Distribution(items.Where(i => ratified.ContainsKey(i) && archived.ContainsKey(i)).Select(i => (archived[i] - ratified[i]).TotalMilliseconds)),
            new Distribution(ratifiedEvents.Where(r => consumed.ContainsKey(r.Key)).Select(r => (consumed[r.Key] - r.Value.At).TotalMilliseconds)));
    }

    private static async Task<Dictionary<Guid, DateTimeOffset>> TimesAsync(Suite suite, string service, string sql, Guid[] items)
    {
        await using var cmd = suite.Database(service).DataSource.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = items });
        var times = new Dictionary<Guid, DateTimeOffset>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) times[reader.GetGuid(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        return times;
    }
}
