using System.Globalization;

namespace Ppid.Benchmarks;

/// <summary>Section 4 of docs/benchmarks.md: publishing and serving a DIP (issue 5).</summary>
internal static class PublicationReport
{
    private static bool PublishMet(PublicationResults r) => r.Publishes.Max(p => p.Milliseconds) < Report.PublishTargetMs;
    private static bool CsvMet(PublicationResults r) => r.CsvUncached.P95 < Report.CsvTargetMs && r.CsvCached.P95 < Report.CsvTargetMs;

    public static void Summary(Line L, PublicationResults r, string run)
    {
        L($"| publication: edition of {Format.Count(r.Items)} items published (`POST /editions`) | < 2 s | slowest {Format.Ms(r.Publishes.Max(p => p.Milliseconds))} ms of {r.Publishes.Count} editions ({string.Join(" / ", r.Publishes.Select(p => Format.Ms(p.Milliseconds)))} ms) | {Format.Met(PublishMet(r))} | {run} |");
        L($"| publication: DIP page p95, cached | < {Report.PageCachedTargetMs} ms | {Format.Ms(r.PageCached.P95)} ms (p50 {Format.Ms(r.PageCached.P50)}, p99 {Format.Ms(r.PageCached.P99)} ms) | {Format.Met(r.PageCached.P95 < Report.PageCachedTargetMs)} | {run} |");
        L($"| publication: DIP page p95, uncached | < {Report.PageUncachedTargetMs} ms | {Format.Ms(r.PageUncached.P95)} ms (p50 {Format.Ms(r.PageUncached.P50)}, p99 {Format.Ms(r.PageUncached.P99)} ms) | {Format.Met(r.PageUncached.P95 < Report.PageUncachedTargetMs)} | {run} |");
        L($"| publication: CSV of {Format.Count(r.DipEntries + r.DikEntries)} entries p95, uncached / cached | < {Report.CsvTargetMs} ms | {Format.Ms(r.CsvUncached.P95)} / {Format.Ms(r.CsvCached.P95)} ms | {Format.Met(CsvMet(r))} | {run} |");
    }

    public static void Write(Line L, PublicationResults r)
    {
        L($"## 4. Publication: publishing and serving a DIP of {Format.Count(r.Items)} items");
        L();
        L($"The publication service's own Release build (`dotnet Ppid.Publication.dll`, `ASPNETCORE_ENVIRONMENT=Production`, its appsettings) as a process on");
        L("a fresh database and vhost, with `Platform__GatewaySecret` set; the harness calls it directly with that secret in `X-Ppid-Gateway`,");
        L("as the gateway would (so the gateway's cost is not in these numbers; section 5 measures it).");
        L($"{Format.Count(r.Items)} items reach it as in production: one `InformationItemRegistered` and one `ClassificationRatified` per item, appended to");
        L("a registry and a classification event store (`Ppid.Testing.UpstreamService`: real `EventStore` + `Forwarder`) whose forwarders publish them");
        L($"through RabbitMQ to the service's `publication.catalog` queue. Mix: {Format.Count(r.SertaMerta)} serta-merta (1 %, published at once by the fast path),");
        L("5 % exempt (DIK), the rest berkala and setiap saat, over 10 holding units; every field filled.");
        L($"Appending took {Format.Seconds(r.AppendTime)} (4 in parallel); the catalog held every item and its ratification {Format.Seconds(r.CatalogTime)} after the last append");
        L($"(the service's consumer applying {Format.Count(2L * r.Items)} events through the inbox, about {Format.Rate(2.0 * r.Items / (r.AppendTime + r.CatalogTime).TotalSeconds)} events/s end to end" +
          (r.CatalogTime < TimeSpan.FromSeconds(2) ? "; the consumer kept pace with the appends, so this is the feed's rate, not the consumer's limit)." : ")."));
        L();
        L("### Publishing");
        L();
        L("`POST /api/v1/publication/editions` (`X-Tenant-Id`, `X-Actor-Role: ppid`), timed from the request to the 201 answer: it loads the");
        L("catalog, builds the draft, hashes it, appends `EditionPublished` and projects it inline in the same transaction. Editions 2 and 3");
        L("follow one `InformationItemRevised` each (so the draft differs), and still hold every item.");
        L();
        L("| edition | DIP entries | DIK entries | time | target < 2 s |");
        L("|---:|---:|---:|---:|:---:|");
        foreach (var p in r.Publishes)
            L($"| {p.Edition} | {Format.Count(p.Entries)} | {Format.Count(p.Exemptions)} | {Format.Ms(p.Milliseconds)} ms | {Format.Met(p.Milliseconds < Report.PublishTargetMs)} |");
        L();
        L("### Serving the page and the CSV");
        L();
        L($"One client, one request after another (latency = request sent → last byte of the body read, over loopback), after {r.WarmupRequests}");
        L("unrecorded requests of each kind. The page is `/{tenant}/dip` (the edition in force with every DIP field, serta-merta entries above it),");
        L($"{Format.Count(r.PageBytes / 1024)} KiB of HTML; the CSV is `/{{tenant}}/dip/unduh.csv`, {Format.Count(r.CsvBytes / 1024)} KiB, one row per DIP and DIK entry.");
        L("- **cached**: the same URL again: ASP.NET Core output caching answers from memory after one cheap lookup of the tenant's site version");
        L("  (part of the cache key), the `ConditionalAsync` filter's ETag work included.");
        L("- **uncached**: each request adds a query parameter the page ignores (`?r=<unique>`). The output cache keys on every query");
        L("  key (`QueryKeys = \"*\"`), so each such request misses and the page is built from the database as the first request after a");
        L("  publish is: the edition's JSON read and deserialized, serta-merta and newly-opened rows read, the HTML or CSV written (and then");
        L("  stored in the cache). The service does not honour a request's `Cache-Control: no-cache` (its output-cache policy ignores it),");
        L("  so that header would not measure anything different.");
        L();
        L("| request | samples | p50 | p95 | p99 | max | target | met |");
        L("|---|---:|---:|---:|---:|---:|---|:---:|");
        Row(L, "DIP page, cached", r.PageCached, $"p95 < {Report.PageCachedTargetMs} ms", r.PageCached.P95 < Report.PageCachedTargetMs);
        Row(L, "DIP page, uncached", r.PageUncached, $"p95 < {Report.PageUncachedTargetMs} ms", r.PageUncached.P95 < Report.PageUncachedTargetMs);
        Row(L, "CSV, cached", r.CsvCached, $"< {Report.CsvTargetMs} ms", r.CsvCached.P95 < Report.CsvTargetMs);
        Row(L, "CSV, uncached", r.CsvUncached, $"< {Report.CsvTargetMs} ms", r.CsvUncached.P95 < Report.CsvTargetMs);
        L();
        L($"The CSV target is judged on p95. Every request also pays transferring {Format.Count(r.PageBytes / 1024)} KiB (page) to a client in the same machine.");
        var missed = new List<string>();
        if (!PublishMet(r)) missed.Add($"publishing ({Format.Ms(r.Publishes.Max(p => p.Milliseconds))} ms)");
        if (r.PageCached.P95 >= Report.PageCachedTargetMs) missed.Add($"cached page p95 ({Format.Ms(r.PageCached.P95)} ms)");
        if (r.PageUncached.P95 >= Report.PageUncachedTargetMs) missed.Add($"uncached page p95 ({Format.Ms(r.PageUncached.P95)} ms)");
        if (!CsvMet(r)) missed.Add($"CSV p95 ({Format.Ms(r.CsvUncached.P95)} ms uncached, {Format.Ms(r.CsvCached.P95)} ms cached)");
        if (missed.Count > 0)
        {
            L();
            L($"**Targets missed:** {string.Join("; ", missed)}.");
        }
        L();
    }

    private static void Row(Line L, string name, Distribution d, string target, bool met) =>
        L($"| {name} | {Format.Count(d.Count)} | {Format.Ms(d.P50)} ms | {Format.Ms(d.P95)} ms | {Format.Ms(d.P99)} ms | {Format.Ms(d.Max)} ms | {target} | {Format.Met(met)} |");
}

/// <summary>Section 5 of docs/benchmarks.md: the gateway's cost against calling a service directly (issue 7).</summary>
internal static class GatewayReport
{
    private static int Loaded(GatewayResults r) => r.Phases.Max(p => p.Concurrency);
    private static int Single(GatewayResults r) => r.Phases.Min(p => p.Concurrency);
    private static double Ratio(GatewayResults r, int c) => r.Ratio(c);
    private static string Rounds(GatewayResults r, int c) => string.Join(", ", r.RoundRatios(c).Select(Format.Percent));
    private static double Added(GatewayResults r, int c, Func<Distribution, double> percentile) =>
        percentile(r.Latency(GatewayBenchmark.ViaGateway, c)) - percentile(r.Latency(GatewayBenchmark.Direct, c));

    public static void Summary(Line L, GatewayResults r, string run)
    {
        var c = Loaded(r);
        var one = Single(r);
        L($"| gateway: throughput through the gateway, {c} callers | ≥ {Format.Percent(Report.GatewayThroughputTarget)} of direct | {Format.Percent(Ratio(r, c))} (median of the rounds {Rounds(r, c)}; means {Format.Rate(r.Throughput(GatewayBenchmark.ViaGateway, c))} vs {Format.Rate(r.Throughput(GatewayBenchmark.Direct, c))} requests/s) | {Format.Met(Ratio(r, c) >= Report.GatewayThroughputTarget && r.Failures == 0)} | {run} |");
        L($"| gateway: added latency p50, {one} caller | < {Report.GatewayAddedLatencyTargetMs} ms | {Format.SignedMs(Added(r, one, d => d.P50))} ms (p99 {Format.SignedMs(Added(r, one, d => d.P99))} ms; with {c} callers p50 {Format.SignedMs(Added(r, c, d => d.P50))} ms, p99 {Format.SignedMs(Added(r, c, d => d.P99))} ms) | {Format.Met(Added(r, one, d => d.P50) < Report.GatewayAddedLatencyTargetMs)} | {run} |");
    }

    public static void Write(Line L, GatewayResults r)
    {
        L("## 5. Gateway: throughput and added latency");
        L();
        L("The registry and the gateway as processes from their Release builds (`ASPNETCORE_ENVIRONMENT=Production`, their appsettings), each on its");
        L("own fresh database; `Platform__GatewaySecret` of the registry = `Gateway__Secret` of the gateway. The key comes from the gateway's CLI");
        L("(`dotnet Ppid.Gateway.dll keys create --tenant t --scopes registry:write --client bench`). The gateway needs all four services configured");
        L("to start, so classification, publication and archive point at the same registry process; only registry routes are driven.");
        L($"The per-key rate limit is raised to {Format.Count(r.RateLimitTokens)} tokens (refilled {Format.Count(r.RateLimitTokens)}/s): the default bucket (100, 50/s) would cap");
        L("the load at 50 requests/s; the limiter still runs on every request. Everything else is the gateway's default configuration.");
        L($"Request: `{r.Endpoint}` of one registered item ({Format.Count(r.ResponseBytes)} bytes of JSON), the same through both paths:");
        L("- **direct**: to the registry with `X-Ppid-Gateway: <secret>`, `X-Tenant-Id`, `X-Client-System`, `X-Actor-Id`, `X-Actor-Role` (what the gateway sends);");
        L("- **gateway**: to the gateway with `Authorization: ApiKey <key>`, `X-Actor-Id`, `X-Actor-Role: petugas`; it looks the key up (SHA-256 of the");
        L("  presented key on every request, answered from its key cache, which asks its database again every `Gateway:KeyCache`, 5 s), matches the");
        L("  route table, checks the role, rate-limits, and forwards (streaming) to the registry.");
        L();
        L($"Load: the harness's closed loop (`HttpLoad`: N callers on one `HttpClient`/`SocketsHttpHandler` with N connections, each sending its next request");
        L($"when the last body is read) for {Format.Seconds(r.Window)} after {Format.Seconds(r.Warmup)} of warm-up, direct then gateway, alternating, each repeated;");
        L("latency from send to the body's last byte; only requests wholly inside the window count; any answer but 200 is a failure.");
        L("The harness, the gateway, the registry and PostgreSQL share the machine's 2 cores, so through the gateway one more process competes for");
        L("the same CPU: that is what the throughput ratio shows. CPU per request is each process's CPU time (from /proc; PostgreSQL = every `postgres`");
        L("process) over warm-up and window divided by the requests of that span. It includes what .NET's thread pool spends spin-waiting for work,");
        L("which is larger per request when requests arrive with gaps (one caller; a service behind a slower gateway): compare processes within a row.");
        L();
        L("| path | callers | requests/s | p50 | p95 | p99 | max | CPU µs/request: registry / gateway / PostgreSQL / harness | failures |");
        L("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in r.Phases)
        {
            var d = p.Result.Latency;
            L($"| {p.Path} | {p.Concurrency} | {Format.Rate(p.Result.RequestsPerSecond)} | {Format.Ms(d.P50)} ms | {Format.Ms(d.P95)} ms | {Format.Ms(d.P99)} ms | {Format.Ms(d.Max)} ms " +
              $"| {Cpu(p.ServiceCpuPerRequestUs)} / {(p.Path == GatewayBenchmark.Direct ? "–" : Cpu(p.GatewayCpuPerRequestUs))} / {Cpu(p.PostgresCpuPerRequestUs)} / {Cpu(p.HarnessCpuPerRequestUs)} | {p.Result.Failures}{(p.Result.FirstFailure is { } f && p.Result.Failures > 0 ? $" ({Report.Escape(f)})" : "")} |");
        }
        L();
        L("Gateway against direct (throughput: the median of the rounds' ratios, each round a direct run and the gateway run right after it;");
        L("latency: percentiles of all runs' samples together, gateway minus direct):");
        L();
        L("| callers | throughput, gateway / direct | each round | target ≥ 60 % | added p50 | added p95 | added p99 | target added p50 < 1 ms |");
        L("|---:|---:|---:|:---:|---:|---:|---:|:---:|");
        foreach (var c in r.Phases.Select(p => p.Concurrency).Distinct())
            L($"| {c} | {Format.Percent(Ratio(r, c))} | {Rounds(r, c)} | {Format.Met(Ratio(r, c) >= Report.GatewayThroughputTarget)} | {Format.SignedMs(Added(r, c, d => d.P50))} ms | {Format.SignedMs(Added(r, c, d => d.P95))} ms " +
              $"| {Format.SignedMs(Added(r, c, d => d.P99))} ms | {(c == Single(r) ? Format.Met(Added(r, c, d => d.P50) < Report.GatewayAddedLatencyTargetMs) : "")} |");
        L();
        L($"The added-latency target is judged with one caller (the gateway's own cost per request, no queueing); with {Loaded(r)} callers the difference");
        L("also holds the time requests wait for the CPU the gateway takes from the others.");
        var one = Single(r);
        var loaded = Loaded(r);
        var misses = new List<string>();
        if (Ratio(r, loaded) < Report.GatewayThroughputTarget) misses.Add($"throughput {Format.Percent(Ratio(r, loaded))} of direct with {loaded} callers");
        if (Added(r, one, d => d.P50) >= Report.GatewayAddedLatencyTargetMs) misses.Add($"added p50 {Format.Ms(Added(r, one, d => d.P50))} ms with {one} caller");
        if (r.Failures > 0) misses.Add($"{r.Failures} failed requests");
        if (misses.Count > 0)
        {
            double Mean(string path, Func<GatewayPhase, double> f) => r.Of(path, loaded).Average(f);
            string Us(double v) => v.ToString("0", CultureInfo.InvariantCulture);
            var direct = Mean(GatewayBenchmark.Direct, p => p.ServiceCpuPerRequestUs + p.PostgresCpuPerRequestUs + p.HarnessCpuPerRequestUs);
            var via = Mean(GatewayBenchmark.ViaGateway, p => p.ServiceCpuPerRequestUs + p.GatewayCpuPerRequestUs + p.PostgresCpuPerRequestUs + p.HarnessCpuPerRequestUs);
            L();
            L($"**Target missed:** {string.Join("; ", misses)}. Measured with {loaded} callers, the machine spends {Us(direct)} µs of CPU per direct request " +
              $"(registry + PostgreSQL + harness) and {Us(via)} µs per request through the gateway, of which the gateway process {Us(Mean(GatewayBenchmark.ViaGateway, p => p.GatewayCpuPerRequestUs))} µs " +
              $"and PostgreSQL {Us(Mean(GatewayBenchmark.ViaGateway, p => p.PostgresCpuPerRequestUs))} µs (against {Us(Mean(GatewayBenchmark.Direct, p => p.PostgresCpuPerRequestUs))} µs direct; the gateway's key lookups reach its database once per `Gateway:KeyCache`, and PostgreSQL here counts every `postgres` process, this run's or not). " +
              "With 2 cores shared by every process, throughput is bounded by CPU per request, so the ratio follows the CPU the gateway adds, not only its latency.");
        }
        L();
    }

    private static string Cpu(double us) => double.IsNaN(us) ? "n/a" : us.ToString("0", CultureInfo.InvariantCulture);
}
