using System.Text;

namespace Ppid.Benchmarks;

internal delegate void Line(string line = "");

/// <summary>Writes docs/benchmarks.md from one run's measurements: every number here comes from the run.</summary>
internal static class Report
{
    public const double AppendTarget = 0.70;
    public const double LatencyTargetMs = 10;
    public const double RebuildTarget = 50_000;
    public const double PublishTargetMs = 2000;
    public const double PageCachedTargetMs = 100;
    public const double PageUncachedTargetMs = 300;
    public const double CsvTargetMs = 500;
    public const double GatewayThroughputTarget = 0.60;
    public const double GatewayAddedLatencyTargetMs = 1;

    public static string Write(BenchOptions options, MachineInfo machine, string loadBefore, IReadOnlyList<(string Section, string Before, string After)> loads,
        TimeSpan took, AppendResults? append, LatencyResults? latency, RebuildResults? rebuild, ClientPrepCost? prep,
        PublicationResults? publication, GatewayResults? gateway, SuiteLoadResults? suite, IReadOnlyList<(string Section, string Error)> failures, Carried carried)
    {
        var md = new StringBuilder();
        void L(string line = "") => md.Append(line).Append('\n');

        L("# Benchmarks");
        L();
        L("End-to-end speed of the platform's event store (`services/platform`): append throughput against a raw");
        L("Npgsql INSERT, commit-to-consumer latency through the forwarder and RabbitMQ against raw RabbitMQ.Client,");
        L("and projection rebuild rate against a raw sequential read; then two services as they run in production: publishing");
        L("and serving a DIP of 10,000 items (issue 5), and what the gateway costs against calling a service directly (issue 7).");
        L("Each measurement runs in its own fresh PostgreSQL database (and RabbitMQ vhost), created and dropped by the harness.");
        L();
        L("**Run:** `tests/benchmarks/run.sh` (starts PostgreSQL and RabbitMQ with `deploy/local/infra.sh start`, builds");
        L("`tests/benchmarks/Ppid.Benchmarks` and the services it starts as processes (publication, registry, gateway) in Release, runs everything,");
        L("rewrites this file; about 10 minutes on the machine below). `tests/benchmarks/run.sh --quick` (or `PPID_BENCH_QUICK=1`) is a smoke run of");
        L("about 2.5 minutes (1,000 items instead of 10,000 for publication) that writes");
        L("`tests/benchmarks/out/benchmarks-quick.md` instead. `--only append,latency,rebuild,publication,gateway` runs some sections");
        L("(also into out/, unless `--output docs/benchmarks.md`); the sections a run leaves out keep their results from the file it");
        L("replaces, each marked with the run it comes from.");
        L();
        L($"This file was written by the harness from the run below ({(options.Quick ? "**quick smoke mode: short windows, small samples**" : "full mode")}, {Format.Seconds(took)}).");
        L("Do not edit the numbers by hand; run the script again.");
        L();

        L("## Machine");
        L();
        L("| | |");
        L("|---|---|");
        foreach (var (name, value) in machine.Facts) L($"| {name} | {Escape(value)} |");
        L($"| load average (1/5/15 min) at start | {loadBefore} |");
        foreach (var (section, before, after) in loads) L($"| load average during {section} (before → after) | {before} → {after} |");
        foreach (var row in carried.LoadRows) L(row);
        L();
        L("PostgreSQL, RabbitMQ and the harness share these cores, as they would on a single-node deployment:");
        L("client CPU counts against every number here. The load average during a section includes the benchmark's own");
        L("threads and PostgreSQL backends; the value at start shows whether anything else was running.");
        L();

        L("## Summary");
        L();
        L("| measurement | target | result | met | run |");
        L("|---|---|---|---|---|");
        const string thisRun = "this run";
        void Carry(string section)
        {
            foreach (var row in carried.SummaryRows.GetValueOrDefault(section) ?? []) L(row);
        }
        if (append is not null)
        {
            foreach (var row in append.Rows)
                L($"| append throughput, {row.Writers} writer{(row.Writers == 1 ? "" : "s")} | ≥ {Format.Percent(AppendTarget)} of raw INSERT | {Format.Percent(row.Ratio)} ({Format.Rate(row.Median(AppendVariant.Store))} vs {Format.Rate(row.Median(AppendVariant.RawInsert))} events/s) | {Format.Met(row.Ratio >= AppendTarget)} | {thisRun} |");
        }
        else Carry("append");
        if (latency is not null)
            L($"| commit-to-consumer latency p50 | < {LatencyTargetMs} ms | {Format.Ms(latency.Platform.ToHandler.P50)} ms (p99 {Format.Ms(latency.Platform.ToHandler.P99)} ms; raw RabbitMQ p50 {Format.Ms(latency.RawPublishToConsume.P50)} ms) | {Format.Met(latency.Platform.ToHandler.P50 < LatencyTargetMs && latency.Platform.Lost == 0)} | {thisRun} |");
        else Carry("latency");
        if (rebuild is not null)
            L($"| projection rebuild, {Format.Count(rebuild.Events)} events | ≥ {Format.Rate(RebuildTarget)} events/s | {Format.Rate(rebuild.RebuildRate)} events/s{(rebuild.Finished ? "" : $" (did not finish in {Format.Seconds(rebuild.Deadline)})")} | {Format.Met(rebuild.Finished && rebuild.RebuildRate >= RebuildTarget && rebuild.ReadModelCorrect == true)} | {thisRun} |");
        else Carry("rebuild");
        if (publication is not null) PublicationReport.Summary(L, publication, thisRun);
        else Carry("publication");
        if (gateway is not null) GatewayReport.Summary(L, gateway, thisRun);
        else Carry("gateway");
        if (suite is not null) SuiteLoadReport.Summary(L, suite, thisRun);
        else Carry("suite");
        foreach (var (section, error) in failures) L($"| {section} | | **did not complete**: {Escape(error.ReplaceLineEndings(" "))} | **NO** | {thisRun} |");
        L();

        // Sections in their order, each from this run or carried over from the replaced file.
        foreach (var section in BenchOptions.Sections)
        {
            if (section == "append" && append is not null) WriteAppend(L, append, prep);
            else if (section == "latency" && latency is not null) WriteLatency(L, latency);
            else if (section == "rebuild" && rebuild is not null) WriteRebuild(L, rebuild);
            else if (section == "publication" && publication is not null) PublicationReport.Write(L, publication);
            else if (section == "gateway" && gateway is not null) GatewayReport.Write(L, gateway);
            else if (section == "suite" && suite is not null) SuiteLoadReport.Write(L, suite);
            else if (carried.Blocks.TryGetValue(section, out var block)) md.Append(block);
        }
        return md.ToString();
    }

    private static void WriteAppend(Line L, AppendResults a, ClientPrepCost? prep)
    {
        L("## 1. Append throughput");
        L();
        L($"Each writer appends one event per call to its own streams, a new stream every 10 events (expected version");
        L($"*no stream*, then *exactly n*), as fast as it can for {Format.Seconds(a.Window)} after a {Format.Seconds(a.Warmup)} warm-up, each run in a fresh database.");
        L($"The process first runs each variant briefly, unrecorded, so JIT tiering is done before anything counts. Store and raw INSERT run");
        L($"{a.Repetitions} time{(a.Repetitions == 1 ? "" : "s")} per concurrency, alternating (the median is shown, for two runs their mean); the diagnostic variants run once.");
        L("Every variant uses `synchronous_commit=on` (see Machine): each commit waits for its WAL flush.");
        L("- **store**: `EventStore.AppendAsync(stream, \"bench.item\", ExpectedVersion, [one event], metadata)` on the data source");
        L($"  `Ppid.Testing.PostgresDatabase` creates (`PpidDataSource.Create`: {a.DataSourceSettings}),");
        L("  with `EventNotifications` started, as a service runs it.");
        L("- **raw INSERT**: the same row (event id, stream, version, type, schema version, jsonb data, jsonb metadata,");
        L("  recorded at, tenant, a SHA-256) as one autocommit `INSERT` into the same `events` table (same indexes), on the same");
        L("  data source, serialized with the same JSON options; no stream row, no version check.");
        L();
        L("| writers | store events/s | raw INSERT events/s | store / raw | target ≥ 70 % | store p50 / p99 per append | raw p50 / p99 per insert |");
        L("|---:|---:|---:|---:|:---:|---:|---:|");
        foreach (var row in a.Rows)
        {
            var store = row.Latency(AppendVariant.Store);
            var raw = row.Latency(AppendVariant.RawInsert);
            L($"| {row.Writers} | {Format.Rate(row.Median(AppendVariant.Store))} {Range(row, AppendVariant.Store)} | {Format.Rate(row.Median(AppendVariant.RawInsert))} {Range(row, AppendVariant.RawInsert)} | {Format.Percent(row.Ratio)} | {Format.Met(row.Ratio >= AppendTarget)} " +
              $"| {Format.Ms(store.P50)} / {Format.Ms(store.P99)} ms | {Format.Ms(raw.P50)} / {Format.Ms(raw.P99)} ms |");
        }
        L();
        if (a.Repetitions > 1) L("Ranges in brackets are the slowest and fastest run.");
        L();
        L("Diagnostic variants (one run each):");
        L("- **store, no notifications**: the store without `EventNotifications`, to show the notification pump's share.");
        L("- **… with Npgsql defaults**: store and raw INSERT on a plain `NpgsqlDataSource.Create` (no automatic preparation), to");
        L("  show what the data source's settings are worth.");
        L();
        L("| writers | store, no notifications (/ raw) | store, Npgsql defaults | raw INSERT, Npgsql defaults | store / raw, both Npgsql defaults |");
        L("|---:|---:|---:|---:|---:|");
        foreach (var row in a.Rows)
        {
            var quiet = row.Median(AppendVariant.StoreWithoutNotifications);
            L($"| {row.Writers} | {Format.Rate(quiet)} ({Format.Percent(quiet / row.Median(AppendVariant.RawInsert))}) | {Format.Rate(row.Median(AppendVariant.StoreNpgsqlDefaults))} " +
              $"| {Format.Rate(row.Median(AppendVariant.RawInsertNpgsqlDefaults))} | {Format.Percent(row.DefaultsRatio)} |");
        }
        L();
        L("CPU per appended event in µs, PostgreSQL / harness, over the measured windows (PostgreSQL = every `postgres` process on");
        L("the machine, from /proc, so anything else PostgreSQL does meanwhile counts too; harness = this process, the client side):");
        L();
        L("| writers | store | raw INSERT | store, no notifications | store, Npgsql defaults | raw INSERT, Npgsql defaults |");
        L("|---:|---:|---:|---:|---:|---:|");
        foreach (var row in a.Rows)
            L($"| {row.Writers} | {Cpu(row, AppendVariant.Store)} | {Cpu(row, AppendVariant.RawInsert)} | {Cpu(row, AppendVariant.StoreWithoutNotifications)} | {Cpu(row, AppendVariant.StoreNpgsqlDefaults)} | {Cpu(row, AppendVariant.RawInsertNpgsqlDefaults)} |");
        L();
        if (prep is not null)
            L($"Of the harness side, preparing one event as `AppendAsync` does (serialize, canonical JSON of data and metadata, SHA-256 content digest) takes {prep.MicrosecondsPerEvent.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} µs, measured in-process on one thread.");
        var missed = a.Rows.Where(r => r.Ratio < AppendTarget).ToList();
        if (missed.Count > 0)
        {
            string Each(Func<AppendRow, string> f) => string.Join(" / ", a.Rows.Select(f));
            string PgRatio(AppendRow r, AppendVariant x, AppendVariant y) =>
                (r.CpuPerEvent(x).Postgres / r.CpuPerEvent(y).Postgres).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "×";
            var defaultsCost = a.Rows.Average(r => r.Median(AppendVariant.Store) / r.Median(AppendVariant.StoreNpgsqlDefaults));
            L();
            L($"**Target missed at {string.Join(", ", missed.Select(r => r.Writers))} writer(s)** ({string.Join(", ", missed.Select(r => Format.Percent(r.Ratio)))} of raw). " +
              $"Measured at 1 / 4 / 16 writers (as listed above): a store append uses {Each(r => PgRatio(r, AppendVariant.Store, AppendVariant.RawInsert))} the PostgreSQL CPU of a raw insert " +
              $"and {Each(r => PgRatio(r, AppendVariant.StoreWithoutNotifications, AppendVariant.RawInsert))} without the notification pump, which by itself costs " +
              $"{Each(r => Format.Percent(1 - r.Median(AppendVariant.Store) / r.Median(AppendVariant.StoreWithoutNotifications)))} of the store's throughput (one `pg_notify` round trip per coalesced burst of appends; with one writer, per append). " +
              "The rest is the work `ppid_append` does and a bare insert does not: a PL/pgSQL call that locks, reads and updates the stream's row (a second row written per append), chains the hash and inserts from arrays." +
              (defaultsCost < 1.2 ? "" :
              $" The data source's auto-prepare is already worth {((defaultsCost - 1) * 100).ToString("0", System.Globalization.CultureInfo.InvariantCulture)} % here: Npgsql resets a pooled connection with `DISCARD ALL` unless it holds prepared statements," +
              " and `DISCARD ALL` drops the session's cached plans, including those of `ppid_append`'s PL/pgSQL statements, so with Npgsql's defaults every append (one pooled connection each) plans the whole function again."));
        }
        L();
    }

    private static string Cpu(AppendRow row, AppendVariant v)
    {
        var (pg, client) = row.CpuPerEvent(v);
        return double.IsNaN(pg) ? "n/a" : $"{pg:0} / {client:0}";
    }

    private static string Range(AppendRow row, AppendVariant v)
    {
        var runs = row.Runs.GetValueOrDefault(v);
        if (runs is null || runs.Count < 2) return "";
        return $"[{Format.Rate(runs.Min(r => r.EventsPerSecond))}–{Format.Rate(runs.Max(r => r.EventsPerSecond))}]";
    }

    private static void WriteLatency(Line L, LatencyResults r)
    {
        var p = r.Platform;
        L("## 2. Commit-to-consumer latency");
        L();
        L($"{Format.Count(r.Events)} events appended one at a time (one event per `AppendAsync`, a {r.Pause.TotalMilliseconds} ms pause after each, streams of 10 events),");
        L($"after {r.WarmupEvents} warm-up events that are not counted. Path: `EventStore.AppendAsync` → `EventNotifications` (started) wakes the");
        L("`Forwarder` → `RabbitMqEventPublisher` (publisher confirms) → quorum queue → MassTransit receive endpoint from");
        L("`BusConfiguration.CreateBus` (a receive endpoint per subscription) → `InboxConsumer` (inbox rows, in the consumer's own database) → the handler.");
        L("Latency = the handler's Stopwatch stamp − the stamp taken just after `AppendAsync` returned (same process, keyed by event id).");
        L("The raw baseline publishes a message of the same size with RabbitMQ.Client (publisher confirms, persistent) to a durable");
        L("fanout exchange bound to a quorum queue, with an `AsyncEventingBasicConsumer` (manual ack, prefetch 64) on its own connection:");
        L("latency = consumer stamp − stamp just before `BasicPublishAsync`.");
        L();
        L("| path | samples | p50 | p95 | p99 | max | target p50 < 10 ms |");
        L("|---|---:|---:|---:|---:|---:|:---:|");
        L(LatencyRow("platform: append returned → handler called", p.ToHandler, Format.Met(p.ToHandler.P50 < LatencyTargetMs && p.Lost == 0)));
        L(LatencyRow("platform: append returned → MassTransit consumer entered", p.ToConsume, ""));
        L(LatencyRow("raw RabbitMQ.Client: publish → consumer received", r.RawPublishToConsume, ""));
        L(LatencyRow("raw RabbitMQ.Client: publish → confirm", r.RawPublishToConfirm, ""));
        L(LatencyRow($"platform, while another database of the cluster runs {r.InterferenceTransaction.TotalMilliseconds} ms write transactions back to back", r.WithInterference.ToHandler, ""));
        L();
        if (p.Lost > 0) L($"**{p.Lost} events did not reach the consumer within 60 s.**");
        L($"Write transactions open in *other* databases of the cluster while measuring (`pg_stat_activity`, every 100 ms): {External(p.External)};");
        L($"with the interfering transactions: {External(r.WithInterference.External)}.");
        L();
        L("Where the platform's time goes, per event (from the platform's own `Ppid.Forwarder` and `Ppid.Consumer` activities,");
        L("stamped on the same clock; the broker may deliver before it confirms, so the middle rows overlap):");
        L();
        L("| segment | p50 | p95 | p99 | p50 with the other database's transactions |");
        L("|---|---:|---:|---:|---:|");
        for (var i = 0; i < p.Breakdown.Count; i++)
        {
            var (segment, d) = p.Breakdown[i];
            L($"| {segment} | {Format.Ms(d.P50)} ms | {Format.Ms(d.P95)} ms | {Format.Ms(d.P99)} ms | {Format.Ms(r.WithInterference.Breakdown[i].Values.P50)} ms |");
        }
        L();
        L("The last row of the first table tests the no-skip rule's horizon: `ReadAllAsync` returns only events below a transaction id");
        L("every older transaction has ended at. The snapshot's `pg_snapshot_xmin` is cluster-wide (any write transaction of any database");
        L("on the server lowers it), so when it holds rows back the reader asks this database's own horizon (its sessions' running");
        L("transaction ids in `pg_stat_activity`) and uses the higher (services/platform/EventSourcing/README.md). Before that, this row");
        L("measured 50.1 ms at p50 (run of 2026-12-03 10:39 UTC): every event waited for the other database's transaction to end.");
        L();
        if (p.ToHandler.P50 >= LatencyTargetMs)
        {
            var (segment, worst) = p.Breakdown.MaxBy(b => b.Values.P50);
            L($"**Target missed** (p50 {Format.Ms(p.ToHandler.P50)} ms). The largest measured segment at the median is \"{segment}\" ({Format.Ms(worst.P50)} ms)." +
              (p.External is { SamplesWithAny: > 0 } e
                  ? $" Write transactions of other databases were open in {Format.Percent(e.Share)} of the samples (the oldest for {Format.Ms(e.OldestAgeMs.P50)} ms at the median), and events wait behind them (paragraph above)."
                  : ""));
            L();
        }
    }

    private static string External(ExternalTransactions? e) => e is null ? "not sampled"
        : $"present in {Format.Percent(e.Share)} of {e.Samples} samples" + (e.SamplesWithAny == 0 ? "" : $", oldest open for {Format.Ms(e.OldestAgeMs.P50)} ms at the median (max {Format.Ms(e.OldestAgeMs.Max)} ms)");

    private static string LatencyRow(string name, Distribution d, string met) =>
        $"| {name} | {Format.Count(d.Count)} | {Format.Ms(d.P50)} ms | {Format.Ms(d.P95)} ms | {Format.Ms(d.P99)} ms | {Format.Ms(d.Max)} ms | {met} |";

    private static void WriteRebuild(Line L, RebuildResults r)
    {
        L("## 3. Projection rebuild");
        L();
        L($"{Format.Count(r.Events)} events in {Format.Count(r.Streams)} streams of {r.EventsPerStream}, loaded with `EventStore.AppendAsync` appends of {r.EventsPerAppend} events,");
        L($"{r.LoadParallelism} in parallel (valid rows: versions, hash chains, metadata), then `vacuum analyze events` (as autovacuum would);");
        L($"the table with its indexes is {Format.Count(r.TableBytes / (1024 * 1024))} MB. Loading ran at {Format.Rate(r.LoadRate)} events/s ({Format.Seconds(r.LoadTime)}; vacuum {Format.Seconds(r.VacuumTime)}).");
        L("- **raw sequential read**: one streamed Npgsql query of the store's columns in commit order (`order by events.transaction_id,");
        L("  events.global_position`), each row materialized as a `StoredEvent` (no JSON decoding, no writes).");
        L($"- **raw keyset batches**: the commit-order keyset read (`(transaction_id, global_position) > cursor`, the snapshot check,");
        L($"  `order by` the `xid8` column, `limit {r.BatchSize + 1}`) in a loop, each batch a separate query as a rebuild reads, without a projection.");
        L($"- **rebuild**: `AsyncProjectionRunner.RebuildAsync(batchSize: {r.BatchSize})` of a batch-oriented projection (one `unnest` upsert");
        L("  per batch into a per-item table, like `AccountBalances` in the platform tests): per batch a transaction, `ReadAllAsync`, JSON");
        L($"  decoding of data and metadata, the upsert, the checkpoint. Stopped if still running after {Format.Seconds(r.Deadline)}.");
        L();
        L("| reader | events | time | events/s | target ≥ 50,000 events/s |");
        L("|---|---:|---:|---:|:---:|");
        L($"| raw sequential read (one query) | {Format.Count(r.RawRead.Rows)} | {Format.Seconds(r.RawRead.Time)} | {Format.Rate(r.RawRead.Rate)} | |");
        L($"| raw keyset batches of {Format.Count(r.BatchSize)} | {Format.Count(r.KeysetRead.Rows)} | {Format.Seconds(r.KeysetRead.Time)} | {Format.Rate(r.KeysetRead.Rate)} | |");
        var met = r.Finished && r.RebuildRate >= RebuildTarget && r.ReadModelCorrect == true;
        L($"| `AsyncProjectionRunner.RebuildAsync` | {Format.Count(r.Rebuilt)}{(r.Finished ? "" : $" of {Format.Count(r.Events)} (**did not finish**)")} | {Format.Seconds(r.RebuildTime)} | {Format.Rate(r.RebuildRate)} | {Format.Met(met)} |");
        L();
        var decodeAndCommit = r.ApplyActivityTime - r.ProjectionSqlTime;
        L($"Where the rebuild's {Format.Seconds(r.RebuildTime)} went (the platform's `projection apply` activity and the projection's own timer):");
        L($"reading batches (checkpoint row lock + `ReadAllAsync`) {Format.Seconds(r.ReadingTime)} ({Format.Percent(r.ReadingTime / r.RebuildTime)}),");
        L($"decoding + checkpoint + commit {Format.Seconds(decodeAndCommit)}, the projection's upserts {Format.Seconds(r.ProjectionSqlTime)}.");
        L($"Read model after the rebuild: {r.ReadModelCheck}{(r.ReadModelCorrect switch { true => " — correct", false => " — **WRONG**", null => "" })}.");
        L();
        L("PostgreSQL's plan for the statement `ReadAllAsync` sends (captured from Npgsql's tracing; first batch of a rebuild):");
        L();
        L("```");
        foreach (var line in r.ReadAllPlan) L(line);
        L("```");
        L();
        if (!met)
        {
            var parts = new[] { ("reading batches", r.ReadingTime), ("decoding, checkpoint and commit", decodeAndCommit), ("the projection's upserts", r.ProjectionSqlTime) };
            var (name, time) = parts.MaxBy(p => p.Item2);
            L($"**Target missed** ({Format.Rate(r.RebuildRate)} events/s{(r.Finished ? "" : ", and the rebuild did not finish in time")}). The largest measured part is {name}: {Format.Seconds(time)} of {Format.Seconds(r.RebuildTime)}." +
              (r.ReadAllSortsByText
                  ? " The plan above shows why reading is slow: `ReadAllAsync` selects `transaction_id::text`, whose output column is also named" +
                    " `transaction_id`, and PostgreSQL resolves `order by transaction_id` to that output column, so every batch sorts all" +
                    " remaining events by the *text* of their transaction id (a full scan and a sort of every remaining event for each batch, quadratic over a" +
                    " rebuild) instead of walking the `(transaction_id, global_position)` index. The keyset baseline, the same statement" +
                    $" ordered by the xid8 column, reads the whole table at {Format.Rate(r.KeysetRead.Rate)} events/s. With reads at that speed" +
                    $" and the measured decode/apply/commit cost per event, the rebuild would run at about {Format.Rate(r.EstimatedRateWithKeysetReads)} events/s (an estimate from measured parts)."
                  : ""));
            L();
        }
    }

    public static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
}
