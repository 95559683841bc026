using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Projections;

namespace Ppid.Benchmarks;

internal sealed record ReadRun(long Rows, TimeSpan Time)
{
    public double Rate => Rows / Time.TotalSeconds;
}

internal sealed record RebuildResults(
    long Events,
    int Streams,
    int EventsPerStream,
    int EventsPerAppend,
    int LoadParallelism,
    TimeSpan LoadTime,
    TimeSpan VacuumTime,
    long TableBytes,
    ReadRun RawRead,
    ReadRun KeysetRead,
    IReadOnlyList<string> ReadAllPlan,
    bool ReadAllSortsByText,
    long Rebuilt,
    TimeSpan RebuildTime,
    bool Finished,
    TimeSpan Deadline,
    int BatchSize,
    TimeSpan ApplyActivityTime,
    TimeSpan ProjectionSqlTime,
    bool? ReadModelCorrect,
    string ReadModelCheck)
{
    public double LoadRate => Events / LoadTime.TotalSeconds;
    public double RebuildRate => Rebuilt / RebuildTime.TotalSeconds;
    public TimeSpan ReadingTime => RebuildTime - ApplyActivityTime;

    /// <summary>
    /// What the rebuild would take if each batch were read at the keyset baseline's speed: the
    /// keyset read time plus the measured non-reading cost per event. An estimate from measured parts.
    /// </summary>
    public double EstimatedRateWithKeysetReads =>
        Rebuilt == 0 ? double.NaN : Events / (KeysetRead.Time.TotalSeconds + ApplyActivityTime.TotalSeconds / Rebuilt * Events);
}

/// <summary>
/// Projection rebuild on a large event table: loads it with parallel multi-event
/// EventStore.AppendAsync calls (valid rows, hash chains and all), then times
/// AsyncProjectionRunner.RebuildAsync of a batch-oriented projection against a raw sequential read
/// of the same rows in commit order (xid8, position), and against keyset batches of the same size.
/// </summary>
internal sealed class RebuildBenchmark(BenchOptions options, Action<string> log)
{
    private const int EventsPerStream = 100;
    private const int EventsPerAppend = 50;
    private const int LoadParallelism = 4;
    private const int BatchSize = 5000;

    /// <summary>The columns EventStore reads (EventStore.Columns, internal to the platform).</summary>
    private const string Columns =
        "global_position, transaction_id::text, event_id, stream_id, stream_version, type, schema_version, data::text, metadata::text, recorded_at, tenant, hash";

    /// <summary>A commit-order keyset read: the cursor predicate and snapshot check of EventStore.ReadAllAsync, ordered by the xid8 column.</summary>
    private const string KeysetStatement =
        $"""
        select {Columns}, events.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) as safe
          from events
         where (events.transaction_id, events.global_position) > ($1::text::xid8, $2)
         order by events.transaction_id, events.global_position
         limit $3
        """;

    private readonly EventTypes _types = Sample.Types();

    public async Task<RebuildResults> RunAsync()
    {
        await using var db = await BenchDatabase.CreateAsync("ppid_bench_rebuild");
        await db.ExecuteAsync(ItemCatalog.CreateTable);
        var store = new EventStore(db.DataSource, _types, TimeProvider.System);

        // 1. Load.
        var streams = (int)(options.RebuildEvents / EventsPerStream);
        var events = (long)streams * EventsPerStream;
        var load = await LoadAsync(store, streams, events);

        // 2. As a table that autovacuum has seen: hint bits set, statistics fresh. Every reader below benefits alike.
        var vacuum = Stopwatch.StartNew();
        await db.ExecuteAsync("vacuum analyze events");
        vacuum.Stop();
        var tableBytes = await db.ScalarAsync("select pg_total_relation_size('events')");

        // 3. Baselines: one streamed query in commit order; keyset batches of the rebuild's size.
        var raw = await RawReadAsync(db.DataSource);
        log($"rebuild: raw read {Format.Count(raw.Rows)} rows in {Format.Seconds(raw.Time)} ({Format.Rate(raw.Rate)} rows/s)");
        var keyset = await KeysetReadAsync(db.DataSource);
        log($"rebuild: keyset batches {Format.Count(keyset.Rows)} rows in {Format.Seconds(keyset.Time)} ({Format.Rate(keyset.Rate)} rows/s)");
        var plan = await ExplainReadAllAsync(store);

        // 4. Rebuild, timing the platform's "projection apply" activity (decode + apply + checkpoint + commit).
        var projection = new ItemCatalog();
        var runner = new AsyncProjectionRunner(store, projection, NullLogger.Instance);
        long applyTicks = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Ppid.EventStore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a => { if (a.OperationName == "projection apply") Interlocked.Add(ref applyTicks, a.Duration.Ticks); },
        };
        ActivitySource.AddActivityListener(listener);
        var progress = new Progress(log);
        using var deadline = new CancellationTokenSource(options.RebuildDeadline);
        var rebuild = TimeSpan.Zero;
        long applied;
        bool finished;
        try
        {
            var result = await runner.RebuildAsync(progress, BatchSize, deadline.Token);
            applied = result.Applied;
            finished = true;
            rebuild = result.Elapsed;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            applied = progress.Last?.Applied ?? 0;
            finished = false;
        }
        // Time up to the last completed batch when cut off, so rate = completed events / their time.
        var rebuildTime = finished ? rebuild : progress.Last?.Elapsed ?? options.RebuildDeadline;
        log($"rebuild: {Format.Count(applied)} events in {Format.Seconds(rebuildTime)} ({Format.Rate(applied / rebuildTime.TotalSeconds)} events/s){(finished ? "" : $", cut off at the {Format.Seconds(options.RebuildDeadline)} deadline")}");

        // 5. The read model is right: one row per stream, every revision counted.
        bool? correct = null;
        var check = "not checked (the rebuild did not finish)";
        if (finished)
        {
            var rows = await db.ScalarAsync($"select count(*) from {ItemCatalog.Table}");
            var revisions = await db.ScalarAsync($"select coalesce(sum(revisions), 0) from {ItemCatalog.Table}");
            var expectedRevisions = (long)streams * (EventsPerStream - 1);
            correct = rows == streams && revisions == expectedRevisions && applied == events;
            check = $"{Format.Count(rows)} items (expected {Format.Count(streams)}), {Format.Count(revisions)} revisions (expected {Format.Count(expectedRevisions)})";
        }
        return new RebuildResults(events, streams, EventsPerStream, EventsPerAppend, LoadParallelism, load, vacuum.Elapsed, tableBytes,
            raw, keyset, plan, plan.Any(l => l.Contains("Sort Key: ((transaction_id)::text)", StringComparison.Ordinal)),
            applied, rebuildTime, finished, options.RebuildDeadline, BatchSize,
            TimeSpan.FromTicks(Interlocked.Read(ref applyTicks)), projection.ApplyTime, correct, check);
    }

    private async Task<TimeSpan> LoadAsync(EventStore store, int streams, long events)
    {
        var loaded = 0L;
        var load = Stopwatch.StartNew();
        var lastReport = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, streams), new ParallelOptions { MaxDegreeOfParallelism = LoadParallelism }, async (s, ct) =>
        {
            var streamId = $"item-rb-{s:D7}";
            for (var from = 1L; from <= EventsPerStream; from += EventsPerAppend)
            {
                var batch = new EventData[EventsPerAppend];
                for (var i = 0; i < EventsPerAppend; i++) batch[i] = new EventData(Sample.Event(streamId, from + i));
                await store.AppendAsync(streamId, Sample.StreamType, Sample.Expected(from), batch, Sample.Metadata(), ct);
                var now = Interlocked.Add(ref loaded, EventsPerAppend);
                if (lastReport.Elapsed > TimeSpan.FromSeconds(10))
                {
                    lastReport.Restart();
                    log($"rebuild: loaded {Format.Count(now)} / {Format.Count(events)} events ({Format.Rate(now / load.Elapsed.TotalSeconds)} events/s)");
                }
            }
        });
        load.Stop();
        log($"rebuild: loaded {Format.Count(events)} events in {Format.Seconds(load.Elapsed)}");
        return load.Elapsed;
    }

    private static async Task<ReadRun> RawReadAsync(NpgsqlDataSource dataSource)
    {
        var time = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand($"select {Columns} from events order by events.transaction_id, events.global_position", connection) { CommandTimeout = 0 };
        await using var reader = await cmd.ExecuteReaderAsync();
        long rows = 0;
        while (await reader.ReadAsync())
        {
            Materialize(reader);
            rows++;
        }
        return new ReadRun(rows, time.Elapsed);
    }

    private static async Task<ReadRun> KeysetReadAsync(NpgsqlDataSource dataSource)
    {
        var time = Stopwatch.StartNew();
        var cursor = GlobalCursor.Start;
        long rows = 0;
        while (true)
        {
            await using var cmd = dataSource.CreateCommand(KeysetStatement);
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cursor.TransactionId.ToString(CultureInfo.InvariantCulture) });
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = cursor.Position });
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = BatchSize + 1 });
            var batch = 0;
            await using (var reader = await cmd.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync() && batch < BatchSize && reader.GetBoolean(12))
                {
                    cursor = Materialize(reader).Cursor;
                    batch++;
                }
            }
            rows += batch;
            if (batch == 0) break;
        }
        return new ReadRun(rows, time.Elapsed);
    }

    /// <summary>Every column as the store materializes it, without decoding the JSON into events.</summary>
    private static StoredEvent Materialize(NpgsqlDataReader reader) => new(reader.GetInt64(0),
        ulong.Parse(reader.GetFieldValue<string>(1), CultureInfo.InvariantCulture),
        reader.GetGuid(2), reader.GetString(3), reader.GetInt64(4), reader.GetString(5), reader.GetInt32(6),
        reader.GetString(7), reader.GetString(8), reader.GetFieldValue<DateTimeOffset>(9), reader.GetString(10), (byte[])reader[11]);

    /// <summary>
    /// PostgreSQL's plan for the statement EventStore.ReadAllAsync really sends (captured from Npgsql's
    /// tracing during one call), explained with a rebuild's first-batch parameters.
    /// </summary>
    private static async Task<List<string>> ExplainReadAllAsync(EventStore store)
    {
        string? statement = null;
        using (var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a =>
            {
                if ((a.GetTagItem("db.query.text") ?? a.GetTagItem("db.statement")) is string text && text.Contains("pg_snapshot_xmin", StringComparison.Ordinal))
                    statement = text;
            },
        })
        {
            ActivitySource.AddActivityListener(listener);
            await store.ReadAllAsync(GlobalCursor.Start, BatchSize);
        }
        if (statement is null) return ["(the statement was not captured: Npgsql reported no query text)"];
        await using var cmd = store.DataSource.CreateCommand("explain " + statement);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "0" });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = 0 });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = BatchSize + 1 });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "0" }); // the database's own horizon (none known yet)
        var lines = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        return lines;
    }

    private sealed class Progress(Action<string> log) : IProgress<RebuildProgress>
    {
        private readonly Stopwatch _since = Stopwatch.StartNew();

        public RebuildProgress? Last { get; private set; }

        public void Report(RebuildProgress value)
        {
            Last = value;
            if (_since.Elapsed < TimeSpan.FromSeconds(10)) return;
            _since.Restart();
            log($"rebuild: {Format.Count(value.Applied)} / {Format.Count(value.Total)} ({Format.Rate(value.EventsPerSecond)} events/s)");
        }
    }
}
