using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Ppid.Platform.Projections;
using Ppid.Platform.Telemetry;

namespace Ppid.Platform.EventSourcing;

/// <summary>
/// The event store of one service database (see README.md beside this file). Appends are one
/// round trip (the <c>ppid_append</c> function) unless inline projections run in the same
/// transaction; reads decode stored JSON into current event types.
/// </summary>
public sealed class EventStore(
    NpgsqlDataSource dataSource,
    EventTypes types,
    TimeProvider clock,
    IEnumerable<IProjection>? inlineProjections = null,
    EventNotifications? notifications = null)
{
    public static readonly ActivitySource ActivitySource = new("Ppid.EventStore");

    private readonly IReadOnlyList<IProjection> _inline = inlineProjections?.ToList() ?? [];

    public NpgsqlDataSource DataSource => dataSource;
    public EventTypes Types => types;

    /// <summary>The service's clock (recorded-at of appends; consumers measure delays with it).</summary>
    public TimeProvider Clock => clock;

    /// <summary>Appends in its own transaction, with the inline projections, then wakes readers.</summary>
    public async Task<AppendResult> AppendAsync(string streamId, string streamType, ExpectedVersion expected,
        IReadOnlyList<EventData> events, EventMetadata metadata, CancellationToken ct = default)
    {
        var prepared = Prepare(streamId, events, metadata);
        var projections = _inline.Where(p => prepared.Rows.Any(r => p.Handles(r.Type))).ToList();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        AppendResult result;
        if (projections.Count == 0)
        {
            result = await ExecuteAppendAsync(connection, null, streamId, streamType, expected, prepared, ct);
        }
        else
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            result = await ExecuteAppendAsync(connection, tx, streamId, streamType, expected, prepared, ct);
            await ApplyInlineAsync(connection, tx, projections, prepared, result, ct);
            await tx.CommitAsync(ct);
        }
        notifications?.Appended();
        return result;
    }

    /// <summary>
    /// Appends inside the caller's transaction (a consumer's effect with its inbox record, or
    /// several streams at once). Inline projections run too. The caller commits; call
    /// <see cref="EventNotifications.Appended"/> afterwards, or readers wake on their next poll.
    /// </summary>
    public async Task<AppendResult> AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId, string streamType,
        ExpectedVersion expected, IReadOnlyList<EventData> events, EventMetadata metadata, CancellationToken ct = default)
    {
        var prepared = Prepare(streamId, events, metadata);
        var result = await ExecuteAppendAsync(connection, transaction, streamId, streamType, expected, prepared, ct);
        AppendWatch.Record();
        var projections = _inline.Where(p => prepared.Rows.Any(r => p.Handles(r.Type))).ToList();
        if (projections.Count > 0) await ApplyInlineAsync(connection, transaction, projections, prepared, result, ct);
        return result;
    }

    /// <summary>Wakes readers after a commit that included appends made with the caller's transaction.</summary>
    public void NotifyAppended() => notifications?.Appended();

    private PreparedAppend Prepare(string streamId, IReadOnlyList<EventData> events, EventMetadata metadata)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(streamId);
        ArgumentException.ThrowIfNullOrWhiteSpace(metadata.Tenant);
        if (events.Count == 0) throw new ArgumentException("Append at least one event.", nameof(events));
        var recordedAt = EventHashing.TruncateToMicroseconds(clock.GetUtcNow());
        var metadataElement = JsonSerializer.SerializeToElement(metadata, EventJson.Options);
        var metadataJson = metadataElement.GetRawText();
        var canonicalMetadata = CanonicalJson.ToBytes(metadataElement);
        var rows = new PreparedEvent[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var type = types.Of(events[i].Data.GetType());
            var element = JsonSerializer.SerializeToElement(events[i].Data, type.ClrType, EventJson.Options);
            var eventId = events[i].EventId ?? Guid.CreateVersion7(recordedAt);
            var digest = EventHashing.ContentDigest(eventId, streamId, type.Name, type.SchemaVersion, metadata.Tenant,
                recordedAt, CanonicalJson.ToBytes(element), canonicalMetadata);
            rows[i] = new PreparedEvent(eventId, type.Name, type.SchemaVersion, element.GetRawText(), events[i].Data, digest);
        }
        return new PreparedAppend(rows, metadata, metadataJson, recordedAt);
    }

    private static async Task<AppendResult> ExecuteAppendAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string streamId,
        string streamType, ExpectedVersion expected, PreparedAppend prepared, CancellationToken ct)
    {
        using var activity = ActivitySource.StartActivity("append " + streamType);
        var eventTypes = string.Join(",", prepared.Rows.Select(r => r.Type).Distinct());
        activity?.SetTag("ppid.tenant", prepared.Metadata.Tenant);
        activity?.SetTag("ppid.stream", streamId);
        activity?.SetTag("ppid.event_type", eventTypes);
        activity?.SetTag("ppid.event_count", prepared.Rows.Length);
        var started = Stopwatch.GetTimestamp();

        await using var cmd = new NpgsqlCommand(
            "select stream_version, global_position from ppid_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", connection, tx);
        var rows = prepared.Rows;
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamType });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = prepared.Metadata.Tenant });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expected.Value });
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = rows.Select(r => r.EventId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.Type).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = rows.Select(r => r.SchemaVersion).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.Json).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(_ => prepared.MetadataJson).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = rows.Select(r => r.Digest).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = prepared.RecordedAt });
        try
        {
            var versions = new List<(long Version, long Position)>(rows.Length);
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct)) versions.Add((reader.GetInt64(0), reader.GetInt64(1)));
            }
            // The function returns one row per event; versions follow the order of the events given.
            versions.Sort();
            var ordered = new AppendedEvent[rows.Length];
            for (var i = 0; i < ordered.Length; i++) ordered[i] = new AppendedEvent(rows[i].EventId, versions[i].Version, versions[i].Position);
            activity?.SetTag("ppid.stream_version", ordered[^1].StreamVersion);
            activity?.SetTag("ppid.position", ordered[^1].GlobalPosition);
            PlatformMetrics.AppendDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("ppid.stream_type", streamType));
            foreach (var row in rows) PlatformMetrics.EventsAppended.Add(1, new KeyValuePair<string, object?>("ppid.event_type", row.Type));
            return new AppendResult(streamId, ordered[^1].StreamVersion, ordered);
        }
        catch (PostgresException e) when (e.SqlState == "PPV01")
        {
            activity?.SetStatus(ActivityStatusCode.Error, "concurrency");
            throw new ConcurrencyException(streamId, expected, long.Parse(e.Hint ?? "-1", System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (PostgresException e) when (e.SqlState == "PPT01")
        {
            throw new TenantMismatchException(streamId);
        }
    }

    private static async Task ApplyInlineAsync(NpgsqlConnection connection, NpgsqlTransaction tx, List<IProjection> projections,
        PreparedAppend prepared, AppendResult result, CancellationToken ct)
    {
        var recorded = new RecordedEvent[prepared.Rows.Length];
        for (var i = 0; i < recorded.Length; i++)
        {
            var row = prepared.Rows[i];
            var stored = new StoredEvent(result.Events[i].GlobalPosition, 0, row.EventId, result.StreamId, result.Events[i].StreamVersion,
                row.Type, row.SchemaVersion, row.Json, prepared.MetadataJson, prepared.RecordedAt, prepared.Metadata.Tenant, []);
            recorded[i] = new RecordedEvent(stored, row.Data, prepared.Metadata);
        }
        foreach (var projection in projections)
        {
            var relevant = recorded.Where(e => projection.Handles(e.Stored.Type)).ToList();
            using var activity = ActivitySource.StartActivity("projection apply inline");
            activity?.DisplayName = "projection apply " + projection.Name;
            activity?.SetTag("ppid.projection", projection.Name);
            activity?.SetTag("ppid.tenant", prepared.Metadata.Tenant);
            activity?.SetTag("ppid.stream", result.StreamId);
            activity?.SetTag("ppid.event_type", string.Join(",", relevant.Select(e => e.Stored.Type).Distinct()));
            activity?.SetTag("ppid.position", result.Events[^1].GlobalPosition);
            await projection.ApplyAsync(new ProjectionBatch(connection, tx, relevant), ct);
        }
    }

    // ---------------------------------------------------------------- reading a stream

    public async Task<StreamInfo?> GetStreamAsync(string streamId, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(
            "select id, type, tenant, version, last_hash, created_at, updated_at, archived from streams where id = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new StreamInfo(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3),
            (byte[])reader[4], reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetBoolean(7));
    }

    /// <summary>Events of one stream from <paramref name="fromVersion"/> to <paramref name="toVersion"/> (inclusive), decoded.</summary>
    public async Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, long fromVersion = 1, long toVersion = long.MaxValue, CancellationToken ct = default)
    {
        var stored = await ReadStoredAsync(
            "where stream_id = $1 and stream_version between $2 and $3 order by stream_version",
            [new NpgsqlParameter<string> { TypedValue = streamId }, new NpgsqlParameter<long> { TypedValue = fromVersion }, new NpgsqlParameter<long> { TypedValue = toVersion }],
            ct);
        return stored.Select(Decode).ToList();
    }

    /// <summary>Events of one stream recorded at or before <paramref name="instant"/>, decoded.</summary>
    public async Task<IReadOnlyList<RecordedEvent>> ReadStreamAsOfAsync(string streamId, DateTimeOffset instant, CancellationToken ct = default)
    {
        var stored = await ReadStoredAsync(
            "where stream_id = $1 and recorded_at <= $2 order by stream_version",
            [new NpgsqlParameter<string> { TypedValue = streamId }, new NpgsqlParameter<DateTimeOffset> { TypedValue = instant.ToUniversalTime() }],
            ct);
        return stored.Select(Decode).ToList();
    }

    /// <summary>Folds a stream into state, up to a version or an instant (time travel); null when the stream has no event then.</summary>
    public async Task<Loaded<TState>?> LoadAsync<TState>(string streamId, TState initial, Func<TState, object, TState> evolve,
        long? atVersion = null, DateTimeOffset? atInstant = null, CancellationToken ct = default)
    {
        var events = atInstant is { } instant
            ? await ReadStreamAsOfAsync(streamId, instant, ct)
            : await ReadStreamAsync(streamId, 1, atVersion ?? long.MaxValue, ct);
        if (atInstant is not null && atVersion is { } cap) events = events.Where(e => e.StreamVersion <= cap).ToList();
        return Fold(events, initial, evolve);
    }

    /// <summary>
    /// Locks the stream's row until <paramref name="tx"/> ends (every append locks it too, so the stream
    /// cannot change until then) and folds the stream as committed once the lock is held; null when the
    /// stream has no event. One round trip: a batch of the lock and the read. The read is a statement of
    /// its own, and under read committed each statement takes its snapshot when the server starts it
    /// (at its Bind, which the server handles after the lock's Execute has returned), so it sees what an
    /// append the lock waited for committed. The caller decides and appends in the same transaction: no
    /// second connection, and the row lock (with the transaction id it assigns, which holds back the
    /// forwarder's commit-order horizon) lasts as short a time as it can. Read committed only (the
    /// store's transactions are): under repeatable read the lock would fail with a serialization error
    /// rather than wait. A stream that an open transaction is creating has no row to wait for yet: null.
    /// </summary>
    public async Task<Loaded<TState>?> LockAndLoadAsync<TState>(NpgsqlConnection connection, NpgsqlTransaction tx, string streamId, TState initial,
        Func<TState, object, TState> evolve, CancellationToken ct = default)
    {
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("select version from streams where id = $1 for update") { Parameters = { new NpgsqlParameter<string> { TypedValue = streamId } } },
                new NpgsqlBatchCommand($"select {Columns} from events where stream_id = $1 order by stream_version") { Parameters = { new NpgsqlParameter<string> { TypedValue = streamId } } },
            },
        };
        var stored = new List<StoredEvent>();
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            await reader.NextResultAsync(ct); // past the lock's row
            while (await reader.ReadAsync(ct)) stored.Add(ReadStored(reader));
        }
        return Fold(stored.Select(Decode).ToList(), initial, evolve);
    }

    private static Loaded<TState>? Fold<TState>(IReadOnlyList<RecordedEvent> events, TState initial, Func<TState, object, TState> evolve)
    {
        if (events.Count == 0) return null;
        var state = initial;
        foreach (var e in events) state = evolve(state, e.Data);
        return new Loaded<TState>(state, events[^1].StreamVersion, events[^1].Stored.Tenant);
    }

    public RecordedEvent Decode(StoredEvent stored) =>
        new(stored, types.Deserialize(stored.Type, stored.SchemaVersion, stored.Data),
            JsonSerializer.Deserialize<EventMetadata>(stored.Metadata, EventJson.Options)
                ?? throw new InvalidOperationException($"Event {stored.EventId} has no metadata."));

    // ---------------------------------------------------------------- reading all, in commit order

    // The text form of transaction_id gets its own name: an output column called transaction_id
    // would capture "order by transaction_id" and sort by text ("10000" < "9999"), skipping events.
    internal const string Columns =
        "global_position, transaction_id::text as transaction_id_text, event_id, stream_id, stream_version, type, schema_version, data::text, metadata::text, recorded_at, tenant, hash";

    /// <summary>
    /// Up to <paramref name="max"/> events strictly after <paramref name="after"/> in commit order,
    /// only from transactions below the commit-order horizon, so no event committed later with a
    /// smaller position can ever be skipped.
    /// <para>
    /// Two bounds on that horizon are both sound, so the read uses the higher: the cluster-wide
    /// <c>pg_snapshot_xmin</c> of the read's own snapshot (free, but every write transaction of every
    /// database on the server lowers it) and this database's own horizon (<see cref="HorizonAsync"/>:
    /// exact, but it reads <c>pg_stat_activity</c>, about 0.8 ms of server CPU under load). The own
    /// horizon is asked only when the cheap bound holds rows back, and the highest one seen is kept:
    /// once every transaction below it had ended, that stays true.
    /// </para>
    /// </summary>
    public async Task<GlobalReadResult> ReadAllAsync(GlobalCursor after, int max, CancellationToken ct = default)
    {
        var known = Volatile.Read(ref _knownHorizon);
        var read = await ReadBelowAsync(after, max, known, ct);
        if (read.HeldBackBy is not { } blocked || read.Result.Events.Count == max) return read.Result;
        // Held back by the cluster's transactions, perhaps not by this database's: ask, then read again
        // (in a later statement, so a later snapshot that sees everything below the new horizon).
        var horizon = await HorizonAsync(ct);
        if (horizon <= Math.Max(known, blocked)) return read.Result;
        RaiseKnownHorizon(horizon);
        return (await ReadBelowAsync(after, max, horizon, ct)).Result;
    }

    private ulong _knownHorizon;

    private void RaiseKnownHorizon(ulong horizon)
    {
        var current = Volatile.Read(ref _knownHorizon);
        while (horizon > current)
        {
            var seen = Interlocked.CompareExchange(ref _knownHorizon, horizon, current);
            if (seen == current) return;
            current = seen;
        }
    }

    /// <summary>One statement: the rows after the cursor, those at or above max(xmin, <paramref name="horizon"/>) reported by the first one's transaction id.</summary>
    private async Task<(GlobalReadResult Result, ulong? HeldBackBy)> ReadBelowAsync(GlobalCursor after, int max, ulong horizon, CancellationToken ct)
    {
        // Rows past the horizon come last in this order; their presence means "committed but held
        // back by an older open transaction".
        await using var cmd = dataSource.CreateCommand(
            $"""
            select {Columns}, transaction_id < greatest(pg_snapshot_xmin(pg_current_snapshot()), $4::text::xid8) as safe
              from events
             where (transaction_id, global_position) > ($1::text::xid8, $2)
             order by events.transaction_id, events.global_position
             limit $3
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after.TransactionId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after.Position });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max + 1 });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = horizon.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var events = new List<StoredEvent>(Math.Min(max, 1024));
        ulong? heldBackBy = null;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (!reader.GetBoolean(12)) { heldBackBy = ulong.Parse(reader.GetFieldValue<string>(1), System.Globalization.CultureInfo.InvariantCulture); break; }
            if (events.Count == max) break;
            events.Add(ReadStored(reader));
        }
        return (new GlobalReadResult(events, heldBackBy is not null), heldBackBy);
    }

    /// <summary>
    /// The commit-order horizon of this database: a transaction id such that every transaction
    /// connected to this database with a smaller id has ended. It is the smallest id still running
    /// here (<c>pg_stat_activity.backend_xid</c> of this database's sessions, and any prepared
    /// transaction of it), or, when none runs, the first id not yet assigned (<c>xmax</c> of the
    /// statement's snapshot, taken before the sessions are read, so a transaction that starts in
    /// between gets an id at or above it).
    /// <para>
    /// Only sessions of this database can write its events table, so their transactions are the only
    /// ones that matter. The cluster-wide <c>pg_snapshot_xmin</c> alone counts every write transaction
    /// of every database on the server too: another service's transaction held this database's new
    /// events back until it ended (docs/benchmarks.md, section 2).
    /// </para>
    /// </summary>
    internal async Task<ulong> HorizonAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            """
            select pg_snapshot_xmax(pg_current_snapshot())::text,
                   array(select backend_xid::text::bigint from pg_stat_activity
                          where datname = current_database() and backend_xid is not null
                         union all
                         select transaction::text::bigint from pg_prepared_xacts where database = current_database())
            """);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var xmax = ulong.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture);
        return Horizon(xmax, reader.GetFieldValue<long[]>(1));
    }

    /// <summary>
    /// The smallest of <paramref name="xmax"/> and the running 32-bit transaction ids, each widened
    /// to 64 bits relative to <paramref name="xmax"/> (a running id is less than 2^31 behind it).
    /// Ids at or past <paramref name="xmax"/> (assigned after the snapshot) do not lower the horizon.
    /// </summary>
    internal static ulong Horizon(ulong xmax, IEnumerable<long> running)
    {
        var horizon = xmax;
        foreach (var xid in running)
        {
            var behind = unchecked((uint)xmax - (uint)xid); // how far the id is behind xmax, modulo 2^32
            if (behind == 0 || behind > int.MaxValue || behind > xmax) continue;
            horizon = Math.Min(horizon, xmax - behind);
        }
        return horizon;
    }

    internal async Task<List<StoredEvent>> ReadStoredAsync(string whereAndOrder, NpgsqlParameter[] parameters, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select {Columns} from events {whereAndOrder}");
        cmd.Parameters.AddRange(parameters);
        var list = new List<StoredEvent>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(ReadStored(reader));
        return list;
    }

    internal static StoredEvent ReadStored(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        ulong.Parse(reader.GetFieldValue<string>(1), System.Globalization.CultureInfo.InvariantCulture),
        reader.GetGuid(2),
        reader.GetString(3),
        reader.GetInt64(4),
        reader.GetString(5),
        reader.GetInt32(6),
        reader.GetString(7),
        reader.GetString(8),
        reader.GetFieldValue<DateTimeOffset>(9),
        reader.GetString(10),
        (byte[])reader[11]);

    private sealed record PreparedEvent(Guid EventId, string Type, int SchemaVersion, string Json, object Data, byte[] Digest);

    private sealed record PreparedAppend(PreparedEvent[] Rows, EventMetadata Metadata, string MetadataJson, DateTimeOffset RecordedAt);
}

public sealed record Loaded<TState>(TState State, long Version, string Tenant);
