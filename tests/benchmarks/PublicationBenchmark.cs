using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Registry;
using Ppid.Testing;

namespace Ppid.Benchmarks;

internal sealed record PublishTiming(int Edition, double Milliseconds, int Entries, int Exemptions);

internal sealed record PublicationResults(
    int Items, int DipEntries, int DikEntries, int SertaMerta,
    TimeSpan AppendTime, TimeSpan CatalogTime,
    IReadOnlyList<PublishTiming> Publishes,
    Distribution PageCached, Distribution PageUncached, long PageBytes,
    Distribution CsvCached, Distribution CsvUncached, long CsvBytes,
    int WarmupRequests);

/// <summary>
/// Issue 5: the real publication service (its Release build, as a process, in Production mode) on a
/// fresh database and vhost. Items and ratified classifications arrive as production sends them:
/// registry and classification events appended to real event stores whose forwarders publish them
/// through RabbitMQ (<see cref="UpstreamService"/>). Then: publishing an edition, the DIP page and
/// the CSV download, each cached and uncached.
/// </summary>
internal sealed class PublicationBenchmark(BenchOptions options, Action<string> log)
{
    private const string Tenant = "pemda-bench";
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly string[] Units = ["BPKAD", "DISKOMINFO", "SETDA", "BAPPEDA", "DINKES", "DISDIK", "DPMPTSP", "DISHUB", "BKD", "INSPEKTORAT"];

    public async Task<PublicationResults> RunAsync()
    {
        await using var vhost = await RabbitVhost.CreateAsync("ppid_bench_pub");
        var database = await PostgresDatabase.CreateAsync("ppid_bench_pub");
        try
        {
            return await RunAsync(vhost, database);
        }
        finally
        {
            await Scratch.DropAsync(database, log);
        }
    }

    private async Task<PublicationResults> RunAsync(RabbitVhost vhost, PostgresDatabase database)
    {
        var items = options.PublicationItems;
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var dll = ServiceProcess.DllPath("services/publication", "Ppid.Publication");
        await using var service = ServiceProcess.Start("publication", dll, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = database.ConnectionString,
            ["ConnectionStrings__RabbitMq"] = vhost.Uri.ToString(),
            ["Platform__GatewaySecret"] = secret,
        }, logDirectory: options.LogDirectory);
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        log($"publication: process {service.Pid} ready at {service.BaseAddress} (log {service.LogPath})");

        // Upstreams after the service: its queue must exist before anything is published.
        var registry = await UpstreamService.StartAsync("registry", vhost);
        var classification = await UpstreamService.StartAsync("classification", vhost);
        try
        {
            return await MeasureAsync(service, database, registry, classification, items, secret);
        }
        finally
        {
            await Scratch.StopAsync(classification, log);
            await Scratch.StopAsync(registry, log);
        }
    }

    private async Task<PublicationResults> MeasureAsync(ServiceProcess service, PostgresDatabase database, UpstreamService registry, UpstreamService classification,
        int items, string secret)
    {

        var append = Stopwatch.StartNew();
        var ids = Enumerable.Range(0, items).Select(_ => Guid.CreateVersion7()).ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, items), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            await registry.AppendAsync(Tenant, $"registry-item-{ids[i]}", "registry.item", Item(ids[i], i));
            var ratified = Ratified(ids[i], i);
            await classification.AppendAsync(Tenant, $"classification-{ratified.ClassificationId}", "classification.classification", ratified);
        });
        append.Stop();
        log($"publication: {items:#,0} items and ratifications appended upstream in {Format.Seconds(append.Elapsed)}; waiting for the catalog");
        var catalog = Stopwatch.StartNew();
        await WaitAsync(database.DataSource, "select count(*) from catalog where tenant = $1 and details is not null and ratified is not null", items,
            options.Quick ? TimeSpan.FromSeconds(120) : TimeSpan.FromSeconds(600), "catalog rows with the item and its ratification");
        catalog.Stop();
        var sertaMerta = Enumerable.Range(0, items).Count(i => CategoryOf(i) == Category.SertaMerta);
        await WaitAsync(database.DataSource, "select count(*) from serta_merta where tenant = $1", sertaMerta, TimeSpan.FromSeconds(60), "serta-merta entries");
        log($"publication: catalog complete {Format.Seconds(catalog.Elapsed)} after the last append");

        using var api = HttpLoad.Client(service.BaseAddress, 1);
        api.DefaultRequestHeaders.Add("X-Ppid-Gateway", secret);
        api.DefaultRequestHeaders.Add("X-Tenant-Id", Tenant);
        api.DefaultRequestHeaders.Add("X-Actor-Id", "ppid-utama-1");
        api.DefaultRequestHeaders.Add("X-Actor-Role", "ppid");
        api.Timeout = TimeSpan.FromSeconds(120);

        // Three editions: the first of the whole catalog, then after one item's revision each (still every item).
        var publishes = new List<PublishTiming>();
        for (var edition = 1; edition <= 3; edition++)
        {
            if (edition > 1)
            {
                // Item 10 + n is a DIP item (not exempt): its summary is on the edition, so the draft differs.
                var revised = ids[10 + edition];
                var summary = $"Ringkasan yang direvisi untuk edisi {edition}.";
                await registry.AppendAsync(Tenant, $"registry-item-{revised}", "registry.item",
                    new InformationItemRevised(revised, null, summary, null, null, null, null, null, null, null, null, null, DateTimeOffset.UtcNow));
                await WaitAsync(database.DataSource, $"select count(*) from catalog where tenant = $1 and details->>'summary' = '{summary}'", 1, TimeSpan.FromSeconds(60), "the revision");
            }
            var start = Stopwatch.GetTimestamp();
            using var response = await api.PostAsJsonAsync("/api/v1/publication/editions", new { effectiveDate = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) });
            var body = await response.Content.ReadAsStringAsync();
            var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"publishing edition {edition} answered {(int)response.StatusCode}: {body}");
            var (entries, exemptions) = Counts(body);
            publishes.Add(new PublishTiming(edition, ms, entries, exemptions));
            log($"publication: edition {edition} published in {Format.Ms(ms)} ms ({entries:#,0} DIP entries, {exemptions:#,0} DIK entries)");
        }

        using var site = HttpLoad.Client(service.BaseAddress, 1);
        site.Timeout = TimeSpan.FromSeconds(120);
        // What the gateway sends with a website request (no key: the path's tenant, no actor).
        site.DefaultRequestHeaders.Add("X-Ppid-Gateway", secret);
        site.DefaultRequestHeaders.Add("X-Tenant-Id", Tenant);
        var page = $"/{Tenant}/dip";
        var csv = $"/{Tenant}/dip/unduh.csv";
        // A query parameter the page ignores but the output cache keys on (QueryKeys = "*"): every such request misses the cache
        // and renders from the database, exactly as the first request after a publish does.
        var run = Guid.NewGuid().ToString("N")[..8];
        HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);
        HttpRequestMessage Uncached(string path, string phase, int i) => new(HttpMethod.Get, $"{path}?r={run}-{phase}-{i}");

        // Unrecorded warm-up (JIT, connection pools), both paths.
        var warmup = options.Quick ? 3 : 5;
        await HttpLoad.SequentialAsync(site, i => Uncached(page, "warm", i), warmup);
        await HttpLoad.SequentialAsync(site, i => Uncached(csv, "warm", i), warmup);

        var (pageUncached, pageBytes) = await HttpLoad.SequentialAsync(site, i => Uncached(page, "page", i), options.UncachedRequests);
        log($"publication: DIP page uncached p50 {Format.Ms(pageUncached.P50)} ms, p95 {Format.Ms(pageUncached.P95)} ms ({pageBytes / 1024:#,0} KiB)");
        await HttpLoad.SequentialAsync(site, _ => Get(page), 1); // fills the cache
        var (pageCached, _) = await HttpLoad.SequentialAsync(site, _ => Get(page), options.CachedRequests);
        log($"publication: DIP page cached p50 {Format.Ms(pageCached.P50)} ms, p95 {Format.Ms(pageCached.P95)} ms");
        var (csvUncached, csvBytes) = await HttpLoad.SequentialAsync(site, i => Uncached(csv, "csv", i), options.UncachedRequests);
        log($"publication: CSV uncached p50 {Format.Ms(csvUncached.P50)} ms, p95 {Format.Ms(csvUncached.P95)} ms ({csvBytes / 1024:#,0} KiB)");
        await HttpLoad.SequentialAsync(site, _ => Get(csv), 1);
        var (csvCached, _) = await HttpLoad.SequentialAsync(site, _ => Get(csv), options.CachedRequests);
        log($"publication: CSV cached p50 {Format.Ms(csvCached.P50)} ms, p95 {Format.Ms(csvCached.P95)} ms");

        var last = publishes[^1];
        return new PublicationResults(items, last.Entries, last.Exemptions, sertaMerta, append.Elapsed, catalog.Elapsed, publishes,
            pageCached, pageUncached, pageBytes, csvCached, csvUncached, csvBytes, warmup);
    }

    private static (int Entries, int Exemptions) Counts(string body)
    {
        using var doc = JsonDocument.Parse(body);
        int Find(params string[] names)
        {
            foreach (var name in names)
                if (doc.RootElement.TryGetProperty(name, out var v))
                    return v.ValueKind == JsonValueKind.Array ? v.GetArrayLength() : v.GetInt32();
            return -1;
        }
        return (Find("entries", "entryCount", "dipEntries"), Find("exemptions", "exemptionCount", "dikEntries"));
    }

    private static async Task WaitAsync(NpgsqlDataSource dataSource, string sql, long expected, TimeSpan timeout, string what)
    {
        long seen = 0;
        if (await Poll.UntilAsync(async () =>
            {
                await using var cmd = dataSource.CreateCommand(sql);
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Tenant });
                return (seen = (long)(await cmd.ExecuteScalarAsync())!) >= expected;
            }, timeout, TimeSpan.FromMilliseconds(200))) return;
        throw new TimeoutException($"publication: {what}: {seen} of {expected} after {timeout}");
    }

    /// <summary>1 % serta-merta, 5 % exempt (DIK), the rest berkala and setiap saat.</summary>
    private static Category CategoryOf(int i) => (i % 100) switch
    {
        0 => Category.SertaMerta,
        <= 5 => Category.Dikecualikan,
        _ => i % 2 == 0 ? Category.Berkala : Category.SetiapSaat,
    };

    private static InformationItemRegistered Item(Guid id, int i)
    {
        var unit = Units[i % Units.Length];
        return new InformationItemRegistered(id,
            $"Laporan {unit} nomor {i.ToString(CultureInfo.InvariantCulture)} tahun 2026",
            $"Ringkasan isi informasi nomor {i.ToString(CultureInfo.InvariantCulture)}: realisasi kegiatan, anggaran dan capaian kinerja unit {unit} selama tahun berjalan.",
            unit, $"Kepala {unit}", new DateOnly(2026, 1 + i % 12, 1 + i % 28), "Muara Sabak",
            [new AvailableForm(InformationForm.Softcopy, "PDF", $"https://ppid.example.go.id/dokumen/{id}.pdf"), new AvailableForm(InformationForm.Hardcopy, "kertas", $"Arsip {unit}")],
            "900.1", DocumentKind.Report, "id", ["laporan", unit.ToLowerInvariant()],
            [new DocumentReference(Guid.NewGuid(), $"laporan-{i}.pdf", "application/pdf", 48_213, new string('a', 64), $"s3://ppid-docs/{id}.pdf")],
            Now.AddDays(-30));
    }

    private static ClassificationRatified Ratified(Guid itemId, int i)
    {
        var category = CategoryOf(i);
        var test = category != Category.Dikecualikan ? null : new ConsequenceTest("Lampiran II: data pribadi", false, null, "h", "1",
            "UU 14/2008 Pasal 17 huruf h", "Data pribadi terbuka.", "Privasi terlindungi.", "Perlindungan data pribadi lebih besar.",
            "Memuat data pribadi yang dilindungi.", new DateOnly(2030, 12, 31), "Halaman 2 dihitamkan.");
        return new ClassificationRatified(Guid.CreateVersion7(), itemId, category, category == Category.Berkala ? 6 : null, "Sesuai tugas pokok unit.", test,
            new Decree($"188/{i.ToString(CultureInfo.InvariantCulture)}/PPID/2026", new DateOnly(2026, 11, 1), "Muara Sabak", "ppid-utama-1", "Drs. Ahmad Yani"),
            null, "atasan-ppid-1", Now.AddDays(-7));
    }
}
