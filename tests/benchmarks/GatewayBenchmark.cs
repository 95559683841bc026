using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Ppid.Testing;

namespace Ppid.Benchmarks;

internal sealed record GatewayPhase(string Path, int Concurrency, LoadResult Result, double ServiceCpuPerRequestUs, double GatewayCpuPerRequestUs,
    double PostgresCpuPerRequestUs, double HarnessCpuPerRequestUs);

internal sealed record GatewayResults(string Endpoint, long ResponseBytes, int RateLimitTokens, IReadOnlyList<GatewayPhase> Phases, TimeSpan Warmup, TimeSpan Window)
{
    public IEnumerable<GatewayPhase> Of(string path, int concurrency) => Phases.Where(p => p.Path == path && p.Concurrency == concurrency);

    /// <summary>Mean over the runs of one path and concurrency (runs alternate direct / gateway).</summary>
    public double Throughput(string path, int concurrency) => Of(path, concurrency).Average(p => p.Result.RequestsPerSecond);

    /// <summary>Gateway / direct throughput of each round (a direct run and the gateway run right after it), in round order.</summary>
    public IReadOnlyList<double> RoundRatios(int concurrency) =>
        [.. Of(GatewayBenchmark.Direct, concurrency).Zip(Of(GatewayBenchmark.ViaGateway, concurrency), (d, g) => g.Result.RequestsPerSecond / d.Result.RequestsPerSecond)];

    /// <summary>
    /// The median of <see cref="RoundRatios"/>: a round whose gateway or direct run was slowed by something
    /// else on the machine (load average 6-7 from the harness's own threads) moves the mean of the runs, not the median.
    /// </summary>
    public double Ratio(int concurrency) => Stats.Median(RoundRatios(concurrency));

    public Distribution Latency(string path, int concurrency) => new(Of(path, concurrency).SelectMany(p => p.Result.Latency.Samples));

    public long Failures => Phases.Sum(p => p.Result.Failures);
}

/// <summary>
/// Issue 7: what the gateway costs. The registry and the gateway as processes (Release builds,
/// Production mode, the gateway's own database, a key made with its CLI); the same GET driven
/// with the same closed-loop load first directly (the gateway secret and tenant headers, as the
/// gateway would send them) and then through the gateway (the API key), alternating.
/// </summary>
internal sealed class GatewayBenchmark(BenchOptions options, Action<string> log)
{
    public const string Direct = "direct";
    public const string ViaGateway = "gateway";
    private const string Tenant = "t";
    /// <summary>The default per-key bucket (100 tokens, 50/s) would cap the load at 50 requests/s: raised so it never refuses, but still checked.</summary>
    private const int RateLimitTokens = 1_000_000;

    public async Task<GatewayResults> RunAsync()
    {
        await using var vhost = await RabbitVhost.CreateAsync("ppid_bench_gw");
        var registryDb = await PostgresDatabase.CreateAsync("ppid_bench_reg");
        var gatewayDb = await PostgresDatabase.CreateAsync("ppid_bench_gw");
        try
        {
            return await RunAsync(vhost, registryDb, gatewayDb);
        }
        finally
        {
            await Scratch.DropAsync(gatewayDb, log);
            await Scratch.DropAsync(registryDb, log);
        }
    }

    private async Task<GatewayResults> RunAsync(RabbitVhost vhost, PostgresDatabase registryDb, PostgresDatabase gatewayDb)
    {
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

        await using var registry = ServiceProcess.Start("registry", ServiceProcess.DllPath("services/registry", "Ppid.Registry"), new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = registryDb.ConnectionString,
            ["ConnectionStrings__RabbitMq"] = vhost.Uri.ToString(),
            ["Platform__GatewaySecret"] = secret,
        }, logDirectory: options.LogDirectory);
        await registry.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));

        var gatewayDll = ServiceProcess.DllPath("gateway", "Ppid.Gateway");
        var (exitCode, keyOutput, keyError) = await ServiceProcess.RunToolAsync(gatewayDll, ["keys", "create", "--tenant", Tenant, "--scopes", "registry:write", "--client", "bench"],
            new Dictionary<string, string> { ["ConnectionStrings__Postgres"] = gatewayDb.ConnectionString });
        if (exitCode != 0) throw new InvalidOperationException($"keys create exited with {exitCode}: {keyError}");
        var key = keyOutput.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("key:", StringComparison.Ordinal))?["key:".Length..].Trim()
            ?? throw new InvalidOperationException($"keys create printed no key: {keyOutput}");

        var gatewayEnv = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = gatewayDb.ConnectionString,
            ["Gateway__Secret"] = secret,
            ["Gateway__RateLimit__TokenLimit"] = RateLimitTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway__RateLimit__TokensPerPeriod"] = RateLimitTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        // Only the registry is driven; the gateway needs every service configured to start and be ready,
        // so the other three names point at the same registry process (its /health/ready answers for them).
        foreach (var name in new[] { "registry", "classification", "publication", "archive" })
            gatewayEnv[$"Gateway__Services__{name}"] = registry.BaseAddress.ToString().TrimEnd('/');
        await using var gateway = ServiceProcess.Start("gateway", gatewayDll, gatewayEnv, logDirectory: options.LogDirectory);
        await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        log($"gateway: registry process {registry.Pid} at {registry.BaseAddress}, gateway process {gateway.Pid} at {gateway.BaseAddress}");

        // One item to read: unit, record class and the item registered directly.
        using var setup = HttpLoad.Client(registry.BaseAddress, 1);
        foreach (var (name, value) in DirectHeaders(secret)) setup.DefaultRequestHeaders.Add(name, value);
        (await setup.PutAsJsonAsync("/api/v1/registry/units/DISKOMINFO", new { name = "Dinas Komunikasi dan Informatika" })).EnsureSuccessStatusCode();
        (await setup.PutAsJsonAsync("/api/v1/registry/record-classes/000.1.1", new { name = "Peraturan daerah", activeYears = 2, inactiveYears = 3, disposition = "permanent" }))
            .EnsureSuccessStatusCode();
        using var created = await setup.PostAsJsonAsync("/api/v1/registry/items", ItemBody());
        var createdBody = await created.Content.ReadAsStringAsync();
        if (created.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"registering the item answered {(int)created.StatusCode}: {createdBody}");
        var endpoint = created.Headers.Location?.OriginalString is { Length: > 0 } location ? location
            : $"/api/v1/registry/items/{JsonDocument.Parse(createdBody).RootElement.GetProperty("id").GetGuid()}";

        var concurrencies = options.GatewayConcurrency;
        using var directClient = HttpLoad.Client(registry.BaseAddress, concurrencies.Max());
        using var gatewayClient = HttpLoad.Client(gateway.BaseAddress, concurrencies.Max());
        HttpRequestMessage DirectRequest()
        {
            var m = new HttpRequestMessage(HttpMethod.Get, endpoint);
            foreach (var (name, value) in DirectHeaders(secret)) m.Headers.TryAddWithoutValidation(name, value);
            return m;
        }
        HttpRequestMessage GatewayRequest()
        {
            var m = new HttpRequestMessage(HttpMethod.Get, endpoint);
            m.Headers.TryAddWithoutValidation("Authorization", "ApiKey " + key);
            m.Headers.TryAddWithoutValidation("X-Actor-Id", "officer-7");
            m.Headers.TryAddWithoutValidation("X-Actor-Role", "petugas");
            return m;
        }

        // Same answer both ways, or the comparison means nothing.
        var direct = await HttpLoad.SequentialAsync(directClient, _ => DirectRequest(), 1);
        var via = await HttpLoad.SequentialAsync(gatewayClient, _ => GatewayRequest(), 1);
        if (direct.BytesPerResponse != via.BytesPerResponse)
            log($"gateway: note: direct answer {direct.BytesPerResponse} bytes, through the gateway {via.BytesPerResponse} bytes");

        // Unrecorded warm-up of both paths at the highest concurrency (JIT tiering, connection pools).
        await HttpLoad.RunAsync(directClient, DirectRequest, concurrencies.Max(), TimeSpan.Zero, options.GatewayWarmup);
        await HttpLoad.RunAsync(gatewayClient, GatewayRequest, concurrencies.Max(), TimeSpan.Zero, options.GatewayWarmup);

        var phases = new List<GatewayPhase>();
        foreach (var concurrency in concurrencies)
        {
            for (var round = 0; round < options.GatewayRepetitions; round++)
            {
                foreach (var (path, client, request) in new (string, HttpClient, Func<HttpRequestMessage>)[] { (Direct, directClient, DirectRequest), (ViaGateway, gatewayClient, GatewayRequest) })
                {
                    var (registryCpu, gatewayCpu, machineCpu) = (registry.CpuTime(), gateway.CpuTime(), CpuSample.Take());
                    var result = await HttpLoad.RunAsync(client, request, concurrency, options.GatewayWarmup, options.GatewayWindow);
                    // CPU over warm-up + window, per request of the window scaled to that span (rates are steady by then).
                    var span = (options.GatewayWarmup + options.GatewayWindow).TotalSeconds / options.GatewayWindow.TotalSeconds;
                    double PerRequest(TimeSpan used) => result.Requests == 0 ? double.NaN : used.TotalMicroseconds / (result.Requests * span);
                    var machine = CpuSample.Take() - machineCpu;
                    phases.Add(new GatewayPhase(path, concurrency, result, PerRequest(registry.CpuTime() - registryCpu), PerRequest(gateway.CpuTime() - gatewayCpu),
                        PerRequest(machine.Postgres), PerRequest(machine.Harness)));
                    log($"gateway: {path,-7} c={concurrency,-3} {Format.Rate(result.RequestsPerSecond)} req/s, p50 {Format.Ms(result.Latency.P50)} ms, p99 {Format.Ms(result.Latency.P99)} ms" +
                        (result.Failures > 0 ? $", {result.Failures} failures (first: {result.FirstFailure})" : ""));
                }
            }
        }
        return new GatewayResults(endpoint.Split('/').Length > 5 ? "GET /api/v1/registry/items/{id}" : endpoint, direct.BytesPerResponse, RateLimitTokens, phases,
            options.GatewayWarmup, options.GatewayWindow);
    }

    private static (string, string)[] DirectHeaders(string secret) =>
    [
        ("X-Ppid-Gateway", secret), ("X-Tenant-Id", Tenant), ("X-Client-System", "bench"), ("X-Actor-Id", "officer-7"), ("X-Actor-Role", "petugas"),
    ];

    private static object ItemBody() => new
    {
        title = "Peraturan Daerah Nomor 5 Tahun 2026 tentang Keterbukaan Informasi",
        summary = "Mengatur tata cara pelayanan informasi publik di lingkungan pemerintah daerah.",
        holdingUnit = "DISKOMINFO",
        responsibleOfficial = "Kepala Dinas Komunikasi dan Informatika",
        productionDate = "2026-11-02",
        productionPlace = "Muara Sabak",
        forms = new object[]
        {
            new { form = "softcopy", format = "PDF", location = "https://jdih.example.go.id/perda-5-2026.pdf" },
            new { form = "hardcopy", format = "paper", location = "Arsip Setda, rak B-12" },
        },
        recordClass = "000.1.1",
        kind = "regulation",
        language = "id",
        tags = new[] { "perda", "keterbukaan" },
        documents = new object[]
        {
            new { name = "perda-5-2026.pdf", mediaType = "application/pdf", size = 48213, sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", location = "s3://ppid-docs/t/perda-5-2026.pdf" },
        },
    };
}
