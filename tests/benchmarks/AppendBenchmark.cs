using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Ppid.Platform.EventSourcing;

namespace Ppid.Benchmarks;

internal enum AppendVariant
{
    /// <summary>EventStore.AppendAsync, with the notification pump started (as a service runs it).</summary>
    Store,
    /// <summary>EventStore.AppendAsync without notifications: isolates the pump's share.</summary>
    StoreWithoutNotifications,
    /// <summary>One autocommit INSERT of the same row into the same events table.</summary>
    RawInsert,
    /// <summary>Store on a plain NpgsqlDataSource.Create (Npgsql's defaults: no automatic preparation).</summary>
    StoreNpgsqlDefaults,
    /// <summary>Raw INSERT on a plain NpgsqlDataSource.Create.</summary>
    RawInsertNpgsqlDefaults,
}

internal sealed record AppendRun(AppendVariant Variant, int Writers, long Events, TimeSpan Window, IReadOnlyList<double> LatenciesMs, CpuSample Cpu)
{
    public double EventsPerSecond => Events / Window.TotalSeconds;
    public double HarnessMicrosPerEvent => Cpu.Harness.TotalMicroseconds / Events;
    public double PostgresMicrosPerEvent => Cpu.Postgres.TotalMicroseconds / Events;
}

internal sealed record AppendRow(int Writers, IReadOnlyDictionary<AppendVariant, IReadOnlyList<AppendRun>> Runs)
{
    /// <summary>Median events/s of the runs (the mean of the middle two for an even count).</summary>
    public double Median(AppendVariant v) => Stats.Median(Runs.TryGetValue(v, out var runs) ? runs.Select(r => r.EventsPerSecond) : []);

    public Distribution Latency(AppendVariant v) => new(Runs.TryGetValue(v, out var runs) ? runs.SelectMany(r => r.LatenciesMs) : []);

    public double Ratio => Median(AppendVariant.Store) / Median(AppendVariant.RawInsert);

    public double DefaultsRatio => Median(AppendVariant.StoreNpgsqlDefaults) / Median(AppendVariant.RawInsertNpgsqlDefaults);

    /// <summary>CPU per event of all runs of a variant (PostgreSQL processes, harness process), in microseconds.</summary>
    public (double Postgres, double Harness) CpuPerEvent(AppendVariant v)
    {
        if (!Runs.TryGetValue(v, out var runs) || runs.Count == 0) return (double.NaN, double.NaN);
        var events = runs.Sum(r => r.Events);
        return (runs.Sum(r => r.Cpu.Postgres.TotalMicroseconds) / events, runs.Sum(r => r.Cpu.Harness.TotalMicroseconds) / events);
    }
}

internal sealed record AppendResults(IReadOnlyList<AppendRow> Rows, TimeSpan Warmup, TimeSpan Window, int Repetitions, IReadOnlyList<AppendVariant> Variants, string DataSourceSettings)
{
    public bool Has(AppendVariant v) => Variants.Contains(v);
}

/// <summary>
/// Append throughput at several concurrencies: each writer appends one event per call to its own
/// streams (a new stream every 10 events, with exact expected versions), for a fixed window after
/// a warm-up, in a fresh database per run. The baseline inserts the same rows (same columns,
/// jsonb data and metadata, a hash) into the same events table, one autocommit INSERT each.
/// Runs of the variants alternate, so drift in machine load hits them alike.
/// </summary>
internal sealed class AppendBenchmark(BenchOptions options, Action<string> log)
{
    public const string RawInsertSql =
        "insert into events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, tenant, hash) " +
        "values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

    private readonly EventTypes _types = Sample.Types();
    private string _settings = "";

    public async Task<AppendResults> RunAsync(IReadOnlyList<int> concurrencies, IReadOnlyList<AppendVariant> variants)
    {
        // Once per process: JIT tiering, pools and PostgreSQL's caches settle before anything is recorded.
        foreach (var variant in variants)
            await RunOnceAsync(variant, 4, TimeSpan.FromSeconds(1), options.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(2));
        log("append: warm-up done");

        var rows = new List<AppendRow>();
        foreach (var writers in concurrencies)
        {
            var runs = variants.ToDictionary(v => v, _ => new List<AppendRun>());
            for (var rep = 0; rep < options.AppendRepetitions; rep++)
            {
                // Alternate the order so neither variant always runs first. The diagnostic variants run once.
                var these = rep == 0 ? variants : variants.Where(IsMain).ToList();
                var order = rep % 2 == 0 ? these : these.AsEnumerable().Reverse().ToList();
                foreach (var variant in order)
                {
                    var run = await RunOnceAsync(variant, writers, options.AppendWarmup, options.AppendWindow);
                    runs[variant].Add(run);
                    var latency = new Distribution(run.LatenciesMs);
                    log($"append {variant,-26} writers={writers,2} rep={rep + 1}: {Format.Rate(run.EventsPerSecond)} events/s " +
                        $"(p50 {Format.Ms(latency.P50)} ms, p99 {Format.Ms(latency.P99)} ms per append; CPU per event: postgres {run.PostgresMicrosPerEvent:0} µs, harness {run.HarnessMicrosPerEvent:0} µs)");
                }
            }
            rows.Add(new AppendRow(writers, runs.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<AppendRun>)kv.Value)));
        }
        return new AppendResults(rows, options.AppendWarmup, options.AppendWindow, options.AppendRepetitions, variants, _settings);
    }

    private static string Describe(NpgsqlDataSource dataSource)
    {
        var b = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        return $"Max Auto Prepare={b.MaxAutoPrepare}, Auto Prepare Min Usages={b.AutoPrepareMinUsages}, Maximum Pool Size={b.MaxPoolSize}, No Reset On Close={b.NoResetOnClose}";
    }

    public static bool IsMain(AppendVariant v) => v is AppendVariant.Store or AppendVariant.RawInsert;

    private async Task<AppendRun> RunOnceAsync(AppendVariant variant, int writers, TimeSpan warmup, TimeSpan measure)
    {
        await using var db = await BenchDatabase.CreateAsync("ppid_bench_append");
        var defaults = variant is AppendVariant.StoreNpgsqlDefaults or AppendVariant.RawInsertNpgsqlDefaults;
        await using var dataSource = defaults ? NpgsqlDataSource.Create(db.Database.ConnectionString) : null;
        var source = dataSource ?? db.DataSource;
        if (!defaults) _settings = Describe(db.DataSource);
        await using var notifications = variant is AppendVariant.Store or AppendVariant.StoreNpgsqlDefaults
            ? new EventNotifications(source, NullLogger<EventNotifications>.Instance)
            : null;
        notifications?.Start();
        var store = new EventStore(source, _types, TimeProvider.System, notifications: notifications);
        var raw = variant is AppendVariant.RawInsert or AppendVariant.RawInsertNpgsqlDefaults;
        var control = new RunControl();
        var latencies = Enumerable.Range(0, writers).Select(_ => new List<double>(4096)).ToArray();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(() => raw
            ? RawWriterAsync(source, $"item-{tag}-{w}", control, latencies[w])
            : StoreWriterAsync(store, $"item-{tag}-{w}", control, latencies[w]))).ToArray();
        await Task.Delay(warmup);
        var cpuBefore = CpuSample.Take();
        control.Begin();
        await Task.Delay(measure);
        var window = control.End();
        var cpu = CpuSample.Take() - cpuBefore;
        await Task.WhenAll(tasks);

        // The rows are really there (and no writer silently failed).
        var stored = await db.ScalarAsync("select count(*) from events");
        if (stored < control.Count) throw new InvalidOperationException($"{variant}: counted {control.Count} appends but the table holds {stored} rows.");
        return new AppendRun(variant, writers, control.Count, window, latencies.SelectMany(l => l).ToList(), cpu);
    }

    private static async Task StoreWriterAsync(EventStore store, string prefix, RunControl control, List<double> latencies)
    {
        for (var streamNo = 0; !control.Stopped; streamNo++)
        {
            var streamId = $"{prefix}-{streamNo:D6}";
            for (var version = 1L; version <= 10 && !control.Stopped; version++)
            {
                var e = Sample.Event(streamId, version);
                var start = Stopwatch.GetTimestamp();
                await store.AppendAsync(streamId, Sample.StreamType, Sample.Expected(version), [new EventData(e)], Sample.Metadata());
                control.Completed(start, latencies);
            }
        }
    }

    private static async Task RawWriterAsync(NpgsqlDataSource dataSource, string prefix, RunControl control, List<double> latencies)
    {
        for (var streamNo = 0; !control.Stopped; streamNo++)
        {
            var streamId = $"{prefix}-{streamNo:D6}";
            for (var version = 1L; version <= 10 && !control.Stopped; version++)
            {
                var e = Sample.Event(streamId, version);
                var start = Stopwatch.GetTimestamp();
                // The same work a writer without an event store does: serialize, hash, insert.
                var data = JsonSerializer.Serialize(e, e.GetType(), EventJson.Options);
                var metadata = JsonSerializer.Serialize(Sample.Metadata(), EventJson.Options);
                var hash = SHA256.HashData(Encoding.UTF8.GetBytes(data));
                await using (var cmd = dataSource.CreateCommand(RawInsertSql))
                {
                    cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() });
                    cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
                    cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
                    cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Sample.TypeName(version) });
                    cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 1 });
                    cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = data, NpgsqlDbType = NpgsqlDbType.Jsonb });
                    cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = metadata, NpgsqlDbType = NpgsqlDbType.Jsonb });
                    cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = DateTimeOffset.UtcNow });
                    cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Sample.Tenant });
                    cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hash });
                    await cmd.ExecuteNonQueryAsync();
                }
                control.Completed(start, latencies);
            }
        }
    }

    /// <summary>Warm-up, then a measured window: only appends completed inside the window count.</summary>
    private sealed class RunControl
    {
        private volatile int _phase; // 0 warm-up, 1 measuring, 2 stopped
        private long _count;
        private long _began;

        public bool Stopped => _phase == 2;
        public long Count => Interlocked.Read(ref _count);

        public void Begin()
        {
            _began = Stopwatch.GetTimestamp();
            _phase = 1;
        }

        public TimeSpan End()
        {
            _phase = 2;
            return Stopwatch.GetElapsedTime(_began);
        }

        public void Completed(long start, List<double> latencies)
        {
            if (_phase != 1) return;
            Interlocked.Increment(ref _count);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }
}
