using Npgsql;

namespace Ppid.Testing.Load;

/// <summary>Serta-merta visibility measured from the services' own records rather than by polling.</summary>
/// <param name="RatificationToConsumed">
/// Ratified → publication's consumer began the transaction that took the ratification in (its inbox
/// row's <c>processed_at</c>, the transaction's start): the forwarder, the broker and the queue's wait.
/// The rest of <paramref name="RatificationToPublic"/> is that consumer transaction.
/// </param>
/// <param name="Slowest">The slowest sightings on the public page as the client saw them, each split into its stages.</param>
public sealed record ServerSideTimings(Distribution RatificationToPublic, Distribution RatificationToArchived, Distribution RatificationToConsumed,
    IReadOnlyList<SightingStages> Slowest);

/// <summary>
/// Where the time of one client-side sighting went, in milliseconds on the machine clock. The client's
/// figure starts at the ratification's answer and ends when the answering poll came back, so
/// <c>ClientFigure = Forwarding + Consuming + Committing + PollWait + PollTrip − RatifiedToAnswered</c>
/// (the client starts counting RatifiedToAnswered after the event was recorded). The two commit stages are
/// null unless PostgreSQL tracks commit timestamps (<c>track_commit_timestamp = on</c>); without them, PollWait
/// starts at the EntryPublished event and so includes its commit.
/// </summary>
/// <param name="RatifiedToAnswered">Ratified event recorded → the client had the ratification's answer (the classification transaction's rest, its commit, the way back).</param>
/// <param name="RatificationCommitting">Ratified event recorded → classification's transaction committed (part of Forwarding).</param>
/// <param name="Forwarding">Ratified event recorded → publication's consumer began (classification's commit, its forwarder, the broker, the queue).</param>
/// <param name="Consuming">Publication's consumer began → <c>EntryPublished</c> recorded.</param>
/// <param name="Committing">EntryPublished recorded → its transaction committed.</param>
/// <param name="PollWait">Committed (or recorded, without commit timestamps) → the answering poll was sent.</param>
/// <param name="PollTrip">The answering poll, sent → answered (gateway and publication).</param>
public sealed record SightingStages(Guid Item, double ClientFigure, int Polls, double RatifiedToAnswered, double? RatificationCommitting, double Forwarding, double Consuming,
    double? Committing, double PollWait, double PollTrip);

/// <summary>
/// The serta-merta fast path timed from the suite's own records, free of the polling's resolution
/// and of its cost: for each serta-merta item, from the <c>ClassificationRatified</c> event's
/// recorded time (classification's store) to the <c>EntryPublished</c> event's (publication's store:
/// the public page reads it from that commit on) and to the archive's receipt of that
/// <c>EntryPublished</c> in its ledger. Every process reads the same machine clock.
/// </summary>
public static class SopTimings
{
    /// <param name="sightings">The client's sightings (<see cref="SopLoadResult.PublicSightings"/>): the slowest <paramref name="slowest"/> are split into stages.</param>
    public static async Task<ServerSideTimings> SertaMertaAsync(Suite suite, IReadOnlyList<LoadTenant> tenants,
        IReadOnlyList<PublicSighting>? sightings = null, int slowest = 5)
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
        var consumedByItem = ratifiedEvents.Where(r => consumed.ContainsKey(r.Key))
            .GroupBy(r => r.Value.Item).ToDictionary(g => g.Key, g => g.Max(r => consumed[r.Key]));
        return new ServerSideTimings(
            new Distribution(items.Where(i => ratified.ContainsKey(i) && published.ContainsKey(i)).Select(i => (published[i] - ratified[i]).TotalMilliseconds)),
            new Distribution(items.Where(i => ratified.ContainsKey(i) && archived.ContainsKey(i)).Select(i => (archived[i] - ratified[i]).TotalMilliseconds)),
            new Distribution(ratifiedEvents.Where(r => consumed.ContainsKey(r.Key)).Select(r => (consumed[r.Key] - r.Value.At).TotalMilliseconds)),
            await SlowestAsync(suite, sightings ?? [], slowest, ratified, consumedByItem, published));
    }

    private static async Task<IReadOnlyList<SightingStages>> SlowestAsync(Suite suite, IReadOnlyList<PublicSighting> sightings, int count,
        Dictionary<Guid, DateTimeOffset> ratified, Dictionary<Guid, DateTimeOffset> consumed, Dictionary<Guid, DateTimeOffset> published)
    {
        var slow = sightings
            .Where(s => ratified.ContainsKey(s.Item) && consumed.ContainsKey(s.Item) && published.ContainsKey(s.Item))
            .OrderByDescending(s => s.Seen - s.RatificationAnswered).Take(count).ToArray();
        var slowItems = slow.Select(s => s.Item).ToArray();
        var committed = await CommitTimesAsync(suite, "publication",
            "select distinct on (1) (data->'entry'->>'itemId')::uuid, pg_xact_commit_timestamp(xmin) from events where type = 'publication.entry-published.v1' and (data->'entry'->>'itemId')::uuid = any($1) order by 1, global_position",
            slowItems);
        var ratificationCommitted = await CommitTimesAsync(suite, "classification",
            "select distinct on (1) (data->>'itemId')::uuid, pg_xact_commit_timestamp(xmin) from events where type = 'classification.classification-ratified.v1' and (data->>'itemId')::uuid = any($1) order by 1, recorded_at desc",
            slowItems);
        static double Ms(DateTimeOffset from, DateTimeOffset to) => (to - from).TotalMilliseconds;
        return [.. slow.Select(s =>
        {
            var visible = committed.TryGetValue(s.Item, out var c) ? c : published[s.Item];
            return new SightingStages(s.Item, Ms(s.RatificationAnswered, s.Seen), s.Polls, Ms(ratified[s.Item], s.RatificationAnswered),
                ratificationCommitted.TryGetValue(s.Item, out var rc) ? Ms(ratified[s.Item], rc) : null, Ms(ratified[s.Item], consumed[s.Item]), Ms(consumed[s.Item], published[s.Item]),
                committed.ContainsKey(s.Item) ? Ms(published[s.Item], c) : null, Ms(visible, s.AnsweringPollSent), Ms(s.AnsweringPollSent, s.Seen));
        })];
    }

    /// <summary>Commit times by item (<paramref name="sql"/> reads <c>pg_xact_commit_timestamp</c>) if PostgreSQL tracks them; empty otherwise.</summary>
    private static async Task<Dictionary<Guid, DateTimeOffset>> CommitTimesAsync(Suite suite, string service, string sql, Guid[] items)
    {
        await using (var setting = suite.Database(service).DataSource.CreateCommand("select current_setting('track_commit_timestamp') = 'on'"))
            if (items.Length == 0 || !(bool)(await setting.ExecuteScalarAsync())!) return [];
        return await TimesAsync(suite, service, sql, items);
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
