using System.Security.Cryptography;
using Npgsql;
using Xunit;

namespace Ppid.Testing;

/// <summary>
/// The whole suite for one test class: a fresh database per service, one fresh vhost, the four
/// services and the gateway as processes, configured as in production (services trust only the
/// gateway's secret). Tests talk to <see cref="Gateway"/> only. With <see cref="InstancesPerService"/>
/// above one, each service runs as that many processes on the same database and vhost (named
/// <c>registry-0</c>, <c>registry-1</c>, … also as their PostgreSQL <c>Application Name</c>), and the
/// gateway balances over them.
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
    private readonly Dictionary<string, List<ServiceProcess>> _instances = [];

    public Suite() : this(Infrastructure.Shared, instancesPerService: 1) { }

    protected Suite(int instancesPerService) : this(Infrastructure.Shared, instancesPerService) { }

    /// <summary>The suite on <paramref name="infrastructure"/>: private servers (<see cref="Infrastructure.Private"/>) for a scenario that breaks them.</summary>
    /// <remarks>Protected: an xunit class fixture may have one public constructor only; subclass to use it.</remarks>
    protected Suite(Infrastructure infrastructure, int instancesPerService = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instancesPerService, 1);
        Infrastructure = infrastructure;
        InstancesPerService = instancesPerService;
    }

    /// <summary>The PostgreSQL server and RabbitMQ node the suite's databases and vhost are on.</summary>
    public Infrastructure Infrastructure { get; }

    /// <summary>How many processes each of the four services runs as (the gateway runs as one).</summary>
    public int InstancesPerService { get; }

    public RabbitVhost Vhost { get; private set; } = null!;

    /// <summary>Each service's first instance, and the gateway.</summary>
    public Dictionary<string, ServiceProcess> Processes { get; } = [];
    public ServiceProcess Gateway => Processes["gateway"];

    /// <summary>The secret the services require from the gateway (a fresh one per suite; never a real system's).</summary>
    public string GatewaySecret { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    public PostgresDatabase Database(string service) => _databases[service];

    /// <summary>
    /// When set before <see cref="InitializeAsync"/>, the suite supervises its processes as Kubernetes
    /// or Compose's restart policy would: one that exits by itself (a service whose bus watchdog gave up
    /// exits with 70) is started again on its port. Processes a test kills (<see cref="ServiceProcess.Kill"/>)
    /// are left to the test.
    /// </summary>
    public bool Supervise { get; init; }

    /// <summary>What the supervisor restarted: the process, its exit code, when.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(string Name, int? ExitCode, DateTimeOffset At)> SupervisorRestarts { get; } = new();

    private readonly CancellationTokenSource _stopSupervising = new();
    private Task _supervisor = Task.CompletedTask;

    public virtual async Task InitializeAsync()
    {
        Vhost = await RabbitVhost.CreateAsync("ppid_e2e", Infrastructure);
        foreach (var name in Projects.Keys) _databases[name] = await PostgresDatabase.CreateAsync($"ppid_e2e_{name[..4]}", Infrastructure);

        // Services first (their queues must exist before anyone publishes), then the gateway.
        foreach (var name in Backends)
        {
            _instances[name] = [.. Enumerable.Range(0, InstancesPerService).Select(i => Launch(name, i, ServiceEnvironment(name)))];
            Processes[name] = _instances[name][0];
        }
        await Task.WhenAll(_instances.Values.SelectMany(i => i).Select(p => p.WaitUntilReadyAsync(TimeSpan.FromSeconds(120))));
        var gateway = ServiceEnvironment("gateway");
        gateway["Gateway__Secret"] = GatewaySecret;
        foreach (var name in Backends)
        {
            if (InstancesPerService == 1) gateway[$"Gateway__Services__{name}"] = Processes[name].BaseAddress.ToString().TrimEnd('/');
            else
                foreach (var (instance, i) in _instances[name].Select((p, i) => (p, i)))
                    gateway[$"Gateway__Services__{name}__{i}"] = instance.BaseAddress.ToString().TrimEnd('/');
        }
        Processes["gateway"] = Launch("gateway", 0, gateway);
        await Gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        if (Supervise) _supervisor = Task.Run(SuperviseAsync);
    }

    private async Task SuperviseAsync()
    {
        while (!_stopSupervising.IsCancellationRequested)
        {
            try
            {
                foreach (var (service, instances) in _instances.Select(kv => (kv.Key, kv.Value)).ToList())
                    for (var i = 0; i < instances.Count; i++)
                        if (instances[i] is { HasExited: true, KilledOnPurpose: false } exited)
                        {
                            SupervisorRestarts.Enqueue((exited.Name, exited.ExitCode, DateTimeOffset.UtcNow));
                            await RestartAsync(service, i);
                        }
                if (Gateway is { HasExited: true, KilledOnPurpose: false } gateway)
                {
                    SupervisorRestarts.Enqueue((gateway.Name, gateway.ExitCode, DateTimeOffset.UtcNow));
                    await RestartGatewayAsync();
                }
                await Task.Delay(500, _stopSupervising.Token);
            }
            catch (OperationCanceledException) when (_stopSupervising.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // A restart that did not come up: try again on the next round.
            }
        }
    }

    protected virtual Dictionary<string, string> ServiceEnvironment(string name) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["ConnectionStrings__Postgres"] = _databases[name].ConnectionString,
        ["ConnectionStrings__RabbitMq"] = Vhost.Uri.ToString(),
        ["Platform__GatewaySecret"] = GatewaySecret,
        ["Logging__LogLevel__Default"] = "Information",
    };

    /// <summary>The instances of a service (one unless <see cref="InstancesPerService"/> says more), in the order the gateway was told them.</summary>
    public IReadOnlyList<ServiceProcess> Instances(string service) => _instances[service];

    /// <summary>
    /// Starts instance <paramref name="index"/> of a service again (after a test killed it) with the
    /// same environment and port, so the gateway's configured address reaches it; waits until ready.
    /// </summary>
    public async Task<ServiceProcess> RestartAsync(string service, int index)
    {
        var old = _instances[service][index];
        if (!old.HasExited) throw new InvalidOperationException($"{old.Name} is still running; kill it first.");
        await old.DisposeAsync();
        var restarted = ServiceProcess.Start(old.Name, ServiceProcess.DllPath(Projects[service].Dir, Projects[service].Assembly), old.Environment, old.BaseAddress.Port);
        _instances[service][index] = restarted;
        if (index == 0) Processes[service] = restarted;
        await restarted.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        return restarted;
    }

    /// <summary>Starts the gateway again (after a test killed it) with the same environment and port; waits until ready.</summary>
    public async Task<ServiceProcess> RestartGatewayAsync()
    {
        var old = Gateway;
        if (!old.HasExited) throw new InvalidOperationException($"{old.Name} is still running; kill it first.");
        await old.DisposeAsync();
        var restarted = ServiceProcess.Start(old.Name, GatewayDll, old.Environment, old.BaseAddress.Port);
        Processes["gateway"] = restarted;
        await restarted.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        return restarted;
    }

    /// <summary>The PostgreSQL <c>Application Name</c> of instance <paramref name="index"/> of a service: how a test tells instances apart in <c>pg_stat_activity</c>.</summary>
    public static string InstanceName(string service, int index) => $"{service}-{index}";

    private static ServiceProcess Launch(string name, int index, Dictionary<string, string> environment)
    {
        var instanceEnvironment = new Dictionary<string, string>(environment);
        if (instanceEnvironment.TryGetValue("ConnectionStrings__Postgres", out var connectionString))
            instanceEnvironment["ConnectionStrings__Postgres"] =
                new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = InstanceName(name, index) }.ConnectionString;
        return ServiceProcess.Start(InstanceName(name, index), ServiceProcess.DllPath(Projects[name].Dir, Projects[name].Assembly), instanceEnvironment);
    }

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
        var (exitCode, output, error) = await ServiceProcess.RunToolAsync(dll, arguments, new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = _databases["gateway"].ConnectionString,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        });
        return (exitCode, output + error);
    }

    public static string GatewayDll => ServiceProcess.DllPath(Projects["gateway"].Dir, Projects["gateway"].Assembly);

    /// <summary>A client of the gateway (no key).</summary>
    public HttpClient Client() => new() { BaseAddress = Gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public virtual async Task DisposeAsync()
    {
        await _stopSupervising.CancelAsync();
        await _supervisor;
        foreach (var process in Processes.Values.Concat(_instances.Values.SelectMany(i => i)).Distinct()) await process.DisposeAsync();
        await Vhost.DisposeAsync();
        foreach (var database in _databases.Values) await database.DisposeAsync();
    }
}
