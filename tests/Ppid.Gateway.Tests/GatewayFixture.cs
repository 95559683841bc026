using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Ppid.Gateway.Keys;
using Ppid.Testing;

namespace Ppid.Gateway.Tests;

/// <summary>
/// The gateway's own Program on a real Kestrel port and its own database, in front of real backend
/// processes: registry has two instances, classification one live and one dead, publication two
/// (the second one's readiness can be failed), archive only a dead one.
/// </summary>
public class GatewayFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string Secret = "test-gateway-secret";
    public const string Tenant = "kota-contoh";

    public PostgresDatabase Database { get; private set; } = null!;
    public Backend RegistryA { get; private set; } = null!;
    public Backend RegistryB { get; private set; } = null!;
    public Backend Classification { get; private set; } = null!;
    public Backend Publication1 { get; private set; } = null!;
    public Backend Publication2 { get; private set; } = null!;
    public ManualClock Clock { get; } = new(DateTimeOffset.UtcNow);
    public Uri Address { get; private set; } = null!;

    /// <summary>Settings of this fixture on top of the common ones (a derived fixture sets tighter limits).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Settings => [];

    public virtual async Task InitializeAsync()
    {
        Database = await PostgresDatabase.CreateAsync("ppid_gateway");
        RegistryA = await Backend.StartAsync("registry-a");
        RegistryB = await Backend.StartAsync("registry-b");
        Classification = await Backend.StartAsync("classification");
        Publication1 = await Backend.StartAsync("publication-1");
        Publication2 = await Backend.StartAsync("publication-2");
        UseKestrel(0);
        StartServer();
        Address = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = Database.ConnectionString,
            ["Gateway:Secret"] = Secret,
            ["Gateway:Services:registry:0"] = RegistryA.Url.ToString(),
            ["Gateway:Services:registry:1"] = RegistryB.Url.ToString(),
            ["Gateway:Services:classification:0"] = Classification.Url.ToString(),
            ["Gateway:Services:classification:1"] = Backend.DeadUrl().ToString(),
            ["Gateway:Services:publication:0"] = Publication1.Url.ToString(),
            ["Gateway:Services:publication:1"] = Publication2.Url.ToString(),
            ["Gateway:Services:archive"] = Backend.DeadUrl().ToString(),
            ["Gateway:Timeout"] = "00:00:05",
            ["Gateway:Health:Interval"] = "00:00:00.500",
            ["Gateway:Limits:MaxBodyBytes"] = "65536",
            ["Gateway:Limits:Uploads:/api/v1/registry/imports"] = "67108864",
            ["Gateway:Limits:MaxPageSize"] = "200",
            ["Gateway:RateLimit:TokenLimit"] = "100000",
            ["Gateway:RateLimit:TokensPerPeriod"] = "100000",
            ["Gateway:AnonymousRateLimit:TokenLimit"] = "100000",
            ["Gateway:AnonymousRateLimit:TokensPerPeriod"] = "100000",
            ["Gateway:CorsOrigins:0"] = "https://portal.example",
        };
        foreach (var (key, value) in Settings) settings[key] = value;
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.ConfigureServices(s => s.AddSingleton<TimeProvider>(Clock));
    }

    public ApiKeyStore Keys => Services.GetRequiredService<ApiKeyStore>();

    public Task<IssuedKey> KeyAsync(params string[] scopes) => Keys.CreateAsync(Tenant, "sipd", scopes);

    /// <summary>A client of the gateway over real HTTP that follows no redirects.</summary>
    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = Address };
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        return client;
    }

    public static async Task<Echo> EchoOf(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Echo>())!;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        foreach (var backend in new[] { RegistryA, RegistryB, Classification, Publication1, Publication2 }) await backend.DisposeAsync();
        await Database.DisposeAsync();
    }
}
