using System.Diagnostics;

namespace Ppid.Testing;

/// <summary>
/// A service of the suite as a real process, as it runs in production: <c>dotnet Ppid.X.dll</c> from
/// the repository's build output (the configuration the caller itself was built in), on a loopback
/// port, its output in a log file. The end-to-end tests and the benchmarks start the suite with it.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    public string Name { get; }
    public Uri BaseAddress { get; }
    public string LogPath { get; }
    public IReadOnlyDictionary<string, string> Environment { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    private ServiceProcess(string name, Uri baseAddress, Process process, StreamWriter log, string logPath, IReadOnlyDictionary<string, string> environment)
    {
        Name = name;
        BaseAddress = baseAddress;
        _process = process;
        _log = log;
        LogPath = logPath;
        Environment = environment;
    }

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Ppid.sln"))) return dir.FullName;
            throw new InvalidOperationException("The repository root (with Ppid.sln) is not above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The built dll of a project of the suite, e.g. ("services/registry", "Ppid.Registry"), in the caller's configuration.</summary>
    public static string DllPath(string projectDir, string assembly)
    {
        // bin/<Configuration>/<tfm>/ of the calling assembly names the configuration to use.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(RepositoryRoot, projectDir, "bin", here.Parent!.Name, here.Name, assembly + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built (tests/run.sh and tests/benchmarks/run.sh build it).");
    }

    private static readonly HashSet<int> PortsHandedOut = [];

    /// <summary>
    /// A free loopback port below the ephemeral range (<see cref="OsCommand.FreePort"/>). A port the
    /// kernel hands out for a listener on port 0 is in the ephemeral range, where an outgoing connection
    /// of any process (to PostgreSQL, to RabbitMQ) could take it before the service binds it: a CI run
    /// saw a service fail to start with "address already in use" that way.
    /// </summary>
    public static int FreePort()
    {
        lock (PortsHandedOut) return OsCommand.FreePort(PortsHandedOut);
    }

    /// <summary>Starts <paramref name="dll"/> on <paramref name="port"/> (a free one by default), logging to <paramref name="logDirectory"/> (default: logs/ beside the caller).</summary>
    public static ServiceProcess Start(string name, string dll, IReadOnlyDictionary<string, string> environment, int? port = null, string? logDirectory = null)
    {
        var url = new Uri($"http://127.0.0.1:{port ?? FreePort()}");
        logDirectory ??= Path.Combine(AppContext.BaseDirectory, "logs");
        Directory.CreateDirectory(logDirectory);
        var logPath = Path.Combine(logDirectory, $"{name}-{Guid.NewGuid():N}"[..(name.Length + 13)] + ".log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var info = Dotnet(dll, ["--urls", url.ToString().TrimEnd('/')], environment);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(name, url, process, log, logPath, environment);
    }

    /// <summary>Runs <c>dotnet dll args</c> to completion (a command-line tool of the suite).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunToolAsync(string dll, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment)
    {
        using var process = Process.Start(Dotnet(dll, args, environment))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    private static ProcessStartInfo Dotnet(string dll, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!, // the content root: the dll's appsettings*.json
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        return info;
    }

    /// <summary>Waits for <c>/health/ready</c> (a real process starts in real time: the system clock's elapsed time); fails with the last answer and the log's tail.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(3) };
        var last = "no answer";
        var ready = await Poll.UntilAsync(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} during start-up:\n{Tail()}");
            try
            {
                using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.IsSuccessStatusCode) return true;
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }
            return false;
        }, timeout, TimeSpan.FromMilliseconds(250));
        if (!ready) throw new TimeoutException($"{Name} not ready after {timeout}: {last}\n{Tail()}");
    }

    /// <summary>CPU time the process has used so far (utime + stime).</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
    }

    public string Tail(int lines = 40)
    {
        lock (_log)
        {
            _log.Flush();
            using var reader = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var text = new StreamReader(reader);
            return string.Join('\n', text.ReadToEnd().Split('\n').TakeLast(lines));
        }
    }

    /// <summary>SIGKILL, as a fault: the process is marked as killed on purpose, so a supervising <see cref="Suite"/> leaves it to the test.</summary>
    public void Kill()
    {
        KilledOnPurpose = true;
        _process.Kill(entireProcessTree: true);
    }

    /// <summary>Whether the test killed it (<see cref="Kill"/>) rather than it exiting by itself.</summary>
    public bool KilledOnPurpose { get; private set; }

    /// <summary>The exit code, once it has exited.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        lock (_log) _log.Dispose();
    }
}
