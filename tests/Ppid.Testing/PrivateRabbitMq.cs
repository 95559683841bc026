using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Ppid.Testing;

/// <summary>
/// A RabbitMQ node of its own for a fault scenario, which may restart, stop, freeze and kill it
/// without touching the shared node (<c>rabbit@host</c>, 5672) that every other test class uses.
/// Debian's rabbitmq-server (installed by <c>deploy/local/infra.sh</c>) run as a second node,
/// <c>ppidfault-{random}@localhost</c>, by the <c>rabbitmq</c> OS user like the main node, with its own
/// ports (AMQP, management, distribution: all on 127.0.0.1), config file, mnesia and log
/// directories in a temporary directory, the management plugin (so <see cref="RabbitVhost"/> works
/// on it unchanged) and the suite's user <see cref="User"/> (development password, loopback only).
/// <para>
/// The Erlang cookie: the node runs with the <c>rabbitmq</c> user's home, /var/lib/rabbitmq, whose
/// <c>.erlang.cookie</c> the main node created (or this node creates on a machine where the main
/// node never ran). Debian's <c>rabbitmqctl</c> wrapper runs the CLI as that user when root calls
/// it, so <c>rabbitmqctl -n {NodeName} …</c> as root reaches this node with no setup.
/// The node registers with the machine's epmd (port 4369, started by the main node; if none runs,
/// this node starts one, which stays like the main node's).
/// </para>
/// </summary>
public sealed class PrivateRabbitMq : IAsyncDisposable
{
    public const string User = "ppid";

    /// <summary>A development default, like infra.sh's: the node listens on 127.0.0.1 only and lives as long as the test.</summary>
    public const string DevelopmentPassword = "ppid-dev-password";

    private const string OsUser = "rabbitmq";
    private const string Home = "/var/lib/rabbitmq";
    private const string DirectoryPrefix = "ppid-fault-rabbit-";
    private const string Scripts = "/usr/lib/rabbitmq/bin";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(60);

    private readonly OneAtATime _serial = new();
    private readonly Dictionary<string, string> _environment;
    private bool _disposed;
    private int? _frozenPid;

    private PrivateRabbitMq(string directory, string nodeName, int amqpPort, int managementPort, int distributionPort)
    {
        Directory = directory;
        NodeName = nodeName;
        AmqpPort = amqpPort;
        ManagementPort = managementPort;
        DistributionPort = distributionPort;
        AmqpUri = new Uri($"amqp://{User}:{DevelopmentPassword}@127.0.0.1:{amqpPort}/");
        ManagementUri = new Uri($"http://{User}:{DevelopmentPassword}@127.0.0.1:{managementPort}/");
        _environment = new Dictionary<string, string>
        {
            ["HOME"] = Home,
            ["RABBITMQ_NODENAME"] = nodeName,
            ["RABBITMQ_NODE_PORT"] = amqpPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = distributionPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(directory, "rabbitmq.conf"),
            ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(directory, "advanced.config"), // absent: none
            ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(directory, "rabbitmq-env.conf"), // empty: /etc/rabbitmq's is the main node's
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(directory, "enabled_plugins"),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(directory, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(directory, "log"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(directory, "beam.pid"),
            // The distribution listener on loopback only (Erlang's default is every interface).
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
        };
    }

    public string NodeName { get; }

    /// <summary>The temporary directory: config, <c>mnesia/</c> (queues and messages), <c>log/</c>.</summary>
    public string Directory { get; }

    public int AmqpPort { get; }
    public int ManagementPort { get; }
    public int DistributionPort { get; }

    /// <summary>amqp://ppid:…@127.0.0.1:{AmqpPort}/</summary>
    public Uri AmqpUri { get; }

    /// <summary>http://ppid:…@127.0.0.1:{ManagementPort}/</summary>
    public Uri ManagementUri { get; }

    public string LogPath => Path.Combine(Directory, "log", NodeName + ".log");

    /// <summary>The node's beam.smp process id; fails when the node is not running.</summary>
    public int Pid => RunningPid() ?? throw new InvalidOperationException($"The private RabbitMQ node {NodeName} is not running.");

    public bool IsRunning => RunningPid() is not null;

    /// <summary>True between <see cref="FreezeAsync()"/> and <see cref="ThawAsync"/>.</summary>
    public bool IsFrozen => _frozenPid is not null;

    /// <summary>Writes the node's files, starts it and waits until it has booted (<c>rabbitmqctl await_startup</c>) and its management API answers.</summary>
    public static async Task<PrivateRabbitMq> StartAsync()
    {
        OsCommand.RequireRoot(nameof(PrivateRabbitMq));
        OsCommand.RequireFile(Path.Combine(Scripts, "rabbitmq-server"), "RabbitMQ (Debian's rabbitmq-server)");
        await PrivateDirectory.SweepAbandonedAsync(DirectoryPrefix, StopAbandonedAsync);

        var directory = await PrivateDirectory.CreateAsync(DirectoryPrefix, OsUser);
        var ports = new List<int>();
        var node = new PrivateRabbitMq(directory, $"ppidfault-{Guid.NewGuid().ToString("N")[..8]}@localhost",
            OsCommand.FreePort(ports), OsCommand.FreePort(ports), OsCommand.FreePort(ports));
        try
        {
            await node.WriteFilesAsync();
            await node.StartAgainAsync();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>A real restart: stops the node (<c>rabbitmqctl stop</c>, the process exits) and starts it on the same data, so durable queues and their persistent messages survive.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAgainAsync();
    }

    /// <summary>Stops the node and leaves it down (connection refused) until <see cref="StartAgainAsync"/>. Nothing happens when it is stopped already.</summary>
    public Task StopAsync() => _serial.RunAsync(async () =>
    {
        ThrowIfDisposed();
        await ThawNowAsync();
        if (RunningPid() is not { } pid) return;
        // With the pid file, rabbitmqctl returns only when the process has exited.
        await CtlCheckedAsync(["stop", PidFile], StopTimeout);
        if (!await OsCommand.WaitForExitAsync(pid, TimeSpan.FromSeconds(30)))
            throw new InvalidOperationException($"RabbitMQ node {NodeName} (pid {pid}) still runs after rabbitmqctl stop.\n{LogTail()}");
    });

    /// <summary>Starts the stopped node on the same data and ports; waits until it has booted and its management API answers. Nothing happens when it runs.</summary>
    public Task StartAgainAsync() => _serial.RunAsync(async () =>
    {
        ThrowIfDisposed();
        if (RunningPid() is not null) return;
        var started = Stopwatch.StartNew();
        File.Delete(PidFile);
        await OsCommand.RunCheckedAsync($"rabbitmq-server -detached (node {NodeName})", () => LogTail(),
            Path.Combine(Scripts, "rabbitmq-server"), ["-detached"], CliTimeout, OsUser, Directory, _environment);
        await AwaitStartupAsync(started);
    });

    /// <summary>
    /// SIGSTOP to the node's beam.smp: it keeps its sockets but answers nothing (the kernel still
    /// accepts TCP connections into the listen backlog; the AMQP handshake then never completes and
    /// publishers wait for confirms) until <see cref="ThawAsync"/>. A frozen node is thawed before it is
    /// stopped or disposed.
    /// </summary>
    public Task FreezeAsync() => _serial.RunAsync(async () =>
    {
        ThrowIfDisposed();
        if (_frozenPid is not null) return;
        var pid = Pid;
        await OsCommand.SignalAsync(pid, "STOP");
        _frozenPid = pid;
    });

    /// <summary>SIGCONT to the frozen node: it carries on where it stopped.</summary>
    public Task ThawAsync() => _serial.RunAsync(ThawNowAsync);

    /// <summary>Freezes the node for <paramref name="duration"/>, then thaws it.</summary>
    public async Task FreezeAsync(TimeSpan duration)
    {
        await FreezeAsync();
        try
        {
            await Task.Delay(duration);
        }
        finally
        {
            await ThawAsync();
        }
    }

    /// <summary>Runs <c>rabbitmqctl -n {NodeName} {args}</c> as root does (Debian's wrapper, the rabbitmq user's cookie); fails with its output when it exits non-zero.</summary>
    public Task<string> CtlAsync(params string[] args) => CtlCheckedAsync(args, CliTimeout);

    /// <summary>The last lines of the node's log.</summary>
    public string LogTail(int lines = 30) => OsCommand.Tail(LogPath, lines);

    public async ValueTask DisposeAsync() => await _serial.RunAsync(async () =>
    {
        if (_disposed) return;
        _disposed = true;
        await ThawNowAsync();
        if (RunningPid() is { } pid)
        {
            // The data goes with the directory: no need for a graceful stop.
            await OsCommand.SignalAsync(pid, "KILL");
            await OsCommand.WaitForExitAsync(pid, TimeSpan.FromSeconds(10));
        }
        await KillLeftoversAsync(Directory);
        PrivateDirectory.Delete(Directory);
    });

    private string PidFile => _environment["RABBITMQ_PID_FILE"];

    private async Task WriteFilesAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(Directory, "rabbitmq.conf"), $"""
            # ppid private node for fault scenarios (tests/Ppid.Testing/PrivateRabbitMq.cs)
            listeners.tcp.1 = 127.0.0.1:{AmqpPort}
            management.tcp.ip = 127.0.0.1
            management.tcp.port = {ManagementPort}
            loopback_users.guest = true
            default_user = {User}
            default_pass = {DevelopmentPassword}
            default_user_tags.administrator = true
            default_permissions.configure = .*
            default_permissions.read = .*
            default_permissions.write = .*
            """);
        await File.WriteAllTextAsync(Path.Combine(Directory, "enabled_plugins"), "[rabbitmq_management].\n");
        await File.WriteAllTextAsync(Path.Combine(Directory, "rabbitmq-env.conf"), "");
        await OsCommand.RunCheckedAsync("chown", () => "", "chown", ["-R", $"{OsUser}:{OsUser}", Directory], TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// -detached returns before the node has even registered with epmd, and await_startup fails for a
    /// node it cannot reach yet: wait for the pid file (the node writes it early in its boot), then
    /// await_startup, then the management API.
    /// </summary>
    private async Task AwaitStartupAsync(Stopwatch started)
    {
        while (RunningPid() is null)
        {
            if (started.Elapsed > StartTimeout) throw NotStarted(started, "no running beam.smp with its pid file");
            await Task.Delay(200);
        }
        string last;
        do
        {
            var result = await OsCommand.RunAsync("rabbitmqctl", ["-n", NodeName, "-q", "await_startup", "--timeout", "60"], CliTimeout + TimeSpan.FromSeconds(30));
            if (result.Succeeded) break;
            last = result.Output;
            if (RunningPid() is null) throw NotStarted(started, "the node exited during its boot: " + last);
            if (started.Elapsed > StartTimeout) throw NotStarted(started, last);
            await Task.Delay(500);
        } while (true);

        using var http = new HttpClient { BaseAddress = new UriBuilder(ManagementUri) { UserName = "", Password = "" }.Uri, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{DevelopmentPassword}")));
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("api/overview", UriKind.Relative));
                if (response.IsSuccessStatusCode) return;
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }
            if (started.Elapsed > StartTimeout) throw NotStarted(started, "the management API at " + http.BaseAddress + " answers " + last);
            await Task.Delay(200);
        }
    }

    private InvalidOperationException NotStarted(Stopwatch started, string why) =>
        new($"The private RabbitMQ node {NodeName} (AMQP {AmqpPort}, management {ManagementPort}, distribution {DistributionPort}) did not start within {started.Elapsed.TotalSeconds:0} s: {why}\nIts log's tail ({LogPath}):\n{LogTail()}");

    private async Task ThawNowAsync()
    {
        if (_frozenPid is not { } pid) return;
        if (OsCommand.IsRunning(pid)) await OsCommand.SignalAsync(pid, "CONT");
        _frozenPid = null;
    }

    private Task<string> CtlCheckedAsync(string[] args, TimeSpan timeout) =>
        OsCommand.RunCheckedAsync($"rabbitmqctl -n {NodeName} {string.Join(' ', args)}", () => $"The node's log's tail:\n{LogTail()}",
            "rabbitmqctl", ["-n", NodeName, .. args], timeout);

    /// <summary>
    /// The pid in the node's pid file, when that process runs and is this node's: its environment
    /// names this directory (the command line does not name the node: RabbitMQ 3.10 sets the node
    /// name at boot from RABBITMQ_NODENAME).
    /// </summary>
    private int? RunningPid()
    {
        try
        {
            var text = File.ReadAllText(PidFile).Trim();
            return int.TryParse(text, CultureInfo.InvariantCulture, out var pid) && OsCommand.IsRunning(pid) && OsCommand.Mentions(pid, Directory) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Kills what still runs of <paramref name="directory"/>'s node (its beam.smp, found by the directory in its environment).</summary>
    private static async Task KillLeftoversAsync(string directory)
    {
        foreach (var process in Process.GetProcessesByName("beam.smp"))
        {
            using (process)
            {
                if (!OsCommand.Mentions(process.Id, directory)) continue;
                await OsCommand.SignalAsync(process.Id, "KILL");
                await OsCommand.WaitForExitAsync(process.Id, TimeSpan.FromSeconds(10));
            }
        }
    }

    private static Task StopAbandonedAsync(string directory) => KillLeftoversAsync(directory);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
