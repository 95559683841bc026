using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Ppid.Testing;

/// <summary>How PostgreSQL stops (pg_ctl's modes): Fast rolls back open transactions and shuts down cleanly; Immediate quits at once, as in a crash (recovery replays the WAL at the next start).</summary>
public enum PostgresShutdown
{
    Fast,
    Immediate,
}

/// <summary>
/// A PostgreSQL 15 server of its own for a fault scenario, which may restart, stop and kill it
/// without touching the shared server on 5432 that every other test class uses. A fresh cluster
/// (Debian's <c>initdb</c>) in a temporary directory, run by the <c>postgres</c> OS user on a free
/// loopback port, with the suite's role <see cref="User"/> (development password, loopback only).
/// Disposal stops the server and deletes the directory. Needs root (as <c>deploy/local/infra.sh</c>).
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    public const string User = "ppid";

    /// <summary>A development default, like infra.sh's: the server listens on 127.0.0.1 only and lives as long as the test.</summary>
    public const string DevelopmentPassword = "ppid-dev-password";

    private const string OsUser = "postgres";
    private const string DirectoryPrefix = "ppid-fault-pg-";
    private static readonly string Bin = "/usr/lib/postgresql/15/bin";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly OneAtATime _serial = new();
    private bool _disposed;

    private PrivatePostgres(string directory, int port)
    {
        Directory = directory;
        Port = port;
        AdminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = User,
            Password = DevelopmentPassword,
        }.ConnectionString;
    }

    /// <summary>The temporary directory: <c>data/</c> (the cluster), <c>socket/</c>, <c>server.log</c>.</summary>
    public string Directory { get; }

    public string DataDirectory => Path.Combine(Directory, "data");
    public string LogPath => Path.Combine(Directory, "server.log");
    public int Port { get; }

    /// <summary>Host=127.0.0.1;Port=…;Username=ppid;Password=… (no database): what <see cref="Infrastructure.Postgres"/> takes.</summary>
    public string AdminConnectionString { get; }

    /// <summary>The postmaster's process id; fails when the server is not running.</summary>
    public int Pid => RunningPid() ?? throw new InvalidOperationException($"The private PostgreSQL server in {Directory} is not running.");

    public bool IsRunning => RunningPid() is not null;

    /// <summary>Creates the cluster and starts it; waits until it accepts connections.</summary>
    public static async Task<PrivatePostgres> StartAsync()
    {
        OsCommand.RequireRoot(nameof(PrivatePostgres));
        OsCommand.RequireFile(Path.Combine(Bin, "initdb"), "PostgreSQL 15's server binaries (Debian's postgresql-15)");
        await PrivateDirectory.SweepAbandonedAsync(DirectoryPrefix, StopAbandonedAsync);

        var directory = await PrivateDirectory.CreateAsync(DirectoryPrefix, OsUser);
        var server = new PrivatePostgres(directory, OsCommand.FreePort([]));
        try
        {
            await server.InitAsync();
            await server.StartAgainAsync();
            await server.CreateSuiteRoleAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server (<paramref name="mode"/>) and starts it again on the same data and port.</summary>
    public async Task RestartAsync(PostgresShutdown mode = PostgresShutdown.Fast)
    {
        await StopAsync(mode);
        await StartAgainAsync();
    }

    /// <summary>Stops the server and leaves it down (clients get connection refused) until <see cref="StartAgainAsync"/>. Nothing happens when it is stopped already.</summary>
    public Task StopAsync(PostgresShutdown mode = PostgresShutdown.Fast) => _serial.RunAsync(async () =>
    {
        ThrowIfDisposed();
        if (RunningPid() is null) return;
        await PgCtlAsync("stop", ["-m", mode == PostgresShutdown.Fast ? "fast" : "immediate", "-t", Seconds(StopTimeout)], StopTimeout);
    });

    /// <summary>Starts the stopped server on the same data and port; waits until it accepts connections. Nothing happens when it runs.</summary>
    public Task StartAgainAsync() => _serial.RunAsync(async () =>
    {
        ThrowIfDisposed();
        if (RunningPid() is not null) return;
        await PgCtlAsync("start", ["-l", LogPath, "-t", Seconds(StartTimeout)], StartTimeout + TimeSpan.FromSeconds(10));
    });

    /// <summary>The last lines of the server's log.</summary>
    public string LogTail(int lines = 30) => OsCommand.Tail(LogPath, lines);

    public async ValueTask DisposeAsync() => await _serial.RunAsync(async () =>
    {
        if (_disposed) return;
        _disposed = true;
        if (RunningPid() is { } pid)
        {
            var stopped = await OsCommand.RunAsync(Path.Combine(Bin, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "immediate", "-t", "30"],
                TimeSpan.FromSeconds(40), OsUser, Directory);
            if (!stopped.Succeeded && OsCommand.IsRunning(pid))
            {
                await OsCommand.SignalAsync(pid, "KILL");
                await OsCommand.WaitForExitAsync(pid, TimeSpan.FromSeconds(10));
            }
        }
        PrivateDirectory.Delete(Directory);
    });

    private async Task InitAsync()
    {
        // Trust on the Unix socket (inside the private directory: only root and postgres reach it) for
        // creating the suite's role; passwords (scram) on TCP, as on a real server. No fsync at initdb:
        // the cluster is thrown away; the server itself runs with fsync on.
        await PgToolAsync("initdb", ["-D", DataDirectory, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--auth-local=trust",
            "--auth-host=scram-sha-256", "--no-sync"], TimeSpan.FromSeconds(120));
        var socket = Path.Combine(Directory, "socket");
        await PgToolAsync("mkdir", ["-p", socket], TimeSpan.FromSeconds(10), bin: false);
        await File.AppendAllTextAsync(Path.Combine(DataDirectory, "postgresql.conf"), $"""

            # ppid private server for fault scenarios (tests/Ppid.Testing/PrivatePostgres.cs)
            listen_addresses = '127.0.0.1'
            port = {Port}
            unix_socket_directories = '{socket}'
            max_connections = 200
            shared_buffers = 128MB
            fsync = on
            log_line_prefix = '%m [%p] %q%u@%d '
            """);
    }

    private async Task CreateSuiteRoleAsync()
    {
        var socket = new NpgsqlConnectionStringBuilder { Host = Path.Combine(Directory, "socket"), Port = Port, Username = "postgres", Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(socket.ConnectionString);
        await connection.OpenAsync();
        // pg_signal_backend: dropping a database WITH (FORCE) must end every session in it, whoever opened it.
        await using var cmd = new NpgsqlCommand($"create role \"{User}\" login createdb password '{DevelopmentPassword}' in role pg_signal_backend", connection);
        await cmd.ExecuteNonQueryAsync();
    }

    private Task PgCtlAsync(string action, string[] args, TimeSpan timeout) =>
        PgToolAsync("pg_ctl", [action, "-D", DataDirectory, "-w", .. args], timeout);

    private async Task PgToolAsync(string tool, string[] args, TimeSpan timeout, bool bin = true)
    {
        var started = Stopwatch.StartNew();
        await OsCommand.RunCheckedAsync($"{tool} {string.Join(' ', args.Take(2))} (private PostgreSQL in {Directory}, port {Port})",
            () => $"after {started.Elapsed.TotalSeconds:0.0} s; the server log's tail:\n{LogTail()}",
            bin ? Path.Combine(Bin, tool) : tool, args, timeout, OsUser, Directory);
    }

    /// <summary>The postmaster's pid from <c>postmaster.pid</c>, when that process runs.</summary>
    private int? RunningPid() => PostmasterPid(DataDirectory) is { } pid && OsCommand.IsRunning(pid) ? pid : null;

    private static int? PostmasterPid(string dataDirectory)
    {
        try
        {
            var first = File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static async Task StopAbandonedAsync(string directory)
    {
        if (PostmasterPid(Path.Combine(directory, "data")) is { } pid && OsCommand.IsRunning(pid)
            && OsCommand.Mentions(pid, directory))
        {
            await OsCommand.SignalAsync(pid, "QUIT"); // immediate shutdown
            if (!await OsCommand.WaitForExitAsync(pid, TimeSpan.FromSeconds(20))) await OsCommand.SignalAsync(pid, "KILL");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static string Seconds(TimeSpan t) => ((int)t.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}
