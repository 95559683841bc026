using System.Diagnostics;
using System.Security.Cryptography;
using Ppid.Testing;
using Xunit;

namespace Ppid.EndToEnd.Tests;

/// <summary>
/// The whole suite for one test class: a fresh database per service, one fresh vhost, the four
/// services and the gateway as processes, configured as in production (services trust only the
/// gateway's secret). Tests talk to <see cref="Gateway"/> only.
/// </summary>
public class Suite : IAsyncLifetime
{
    public static readonly string[] Backends = ["registry", "classification", "publication", "archive"];

    private static readonly Dictionary<string, (string Dir, string Assembly)> Projects = new()
    {
        ["registry"] = ("services/registry", "Ppid.Registry"),
        ["classification"] = ("services/classification", "Ppid.Classification"),
        ["publication"] = ("services/publication", "Ppid.Publication"),
        ["archive"] = ("services/archive", "Ppid.Archive"),
        ["gateway"] = ("gateway", "Ppid.Gateway"),
    };

    private readonly Dictionary<string, PostgresDatabase> _databases = [];

    public RabbitVhost Vhost { get; private set; } = null!;
    public Dictionary<string, SuiteProcess> Processes { get; } = [];
    public SuiteProcess Gateway => Processes["gateway"];

    /// <summary>The secret the services require from the gateway (a fresh one per suite; never a real system's).</summary>
    public string GatewaySecret { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    public PostgresDatabase Database(string service) => _databases[service];

    public virtual async Task InitializeAsync()
    {
        Vhost = await RabbitVhost.CreateAsync("ppid_e2e");
        foreach (var name in Projects.Keys) _databases[name] = await PostgresDatabase.CreateAsync($"ppid_e2e_{name[..4]}");

        // Services first (their queues must exist before anyone publishes), then the gateway.
        foreach (var name in Backends) Processes[name] = Launch(name, ServiceEnvironment(name));
        await Task.WhenAll(Backends.Select(n => Processes[n].WaitUntilReadyAsync(TimeSpan.FromSeconds(90))));
        var gateway = ServiceEnvironment("gateway");
        gateway["Gateway__Secret"] = GatewaySecret;
        foreach (var name in Backends) gateway[$"Gateway__Services__{name}"] = Processes[name].BaseAddress.ToString().TrimEnd('/');
        Processes["gateway"] = Launch("gateway", gateway);
        await Gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
    }

    protected virtual Dictionary<string, string> ServiceEnvironment(string name) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["ConnectionStrings__Postgres"] = _databases[name].ConnectionString,
        ["ConnectionStrings__RabbitMq"] = Vhost.Uri.ToString(),
        ["Platform__GatewaySecret"] = GatewaySecret,
        ["Logging__LogLevel__Default"] = "Information",
    };

    private static SuiteProcess Launch(string name, Dictionary<string, string> environment) =>
        SuiteProcess.Start(name, SuiteProcess.DllPath(Projects[name].Dir, Projects[name].Assembly), environment);

    /// <summary>
    /// A new API key of <paramref name="tenant"/> with <paramref name="scopes"/>, made as an operator
    /// makes one: the gateway's command-line tool on the gateway's database.
    /// </summary>
    public async Task<string> CreateKeyAsync(string tenant, string scopes, string client)
    {
        var (exitCode, output) = await RunToolAsync(GatewayDll, "keys", "create", "--tenant", tenant, "--scopes", scopes, "--client", client);
        var key = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("key:", StringComparison.Ordinal))?["key:".Length..].Trim();
        return exitCode == 0 && key is { Length: > 0 } ? key : throw new InvalidOperationException($"keys create exited with {exitCode}: {output}");
    }

    /// <summary>Runs <c>dotnet {dll} {arguments}</c> with the gateway's database as <c>ConnectionStrings__Postgres</c>; answers exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> RunToolAsync(string dll, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["ConnectionStrings__Postgres"] = _databases["gateway"].ConnectionString;
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    public static string GatewayDll => SuiteProcess.DllPath(Projects["gateway"].Dir, Projects["gateway"].Assembly);

    /// <summary>A client of the gateway (no key).</summary>
    public HttpClient Client() => new() { BaseAddress = Gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public virtual async Task DisposeAsync()
    {
        foreach (var process in Processes.Values) await process.DisposeAsync();
        await Vhost.DisposeAsync();
        foreach (var database in _databases.Values) await database.DisposeAsync();
    }
}
