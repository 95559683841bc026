using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ppid.Benchmarks;

/// <summary>
/// A service of the suite as a real process, as it runs in production: <c>dotnet Ppid.X.dll</c> from
/// its Release build (tests/benchmarks/run.sh builds it), on a free loopback port, its output in a
/// log file under tests/benchmarks/out/logs/. Like tests/Ppid.EndToEnd.Tests/SuiteProcess.cs.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    public string Name { get; }
    public Uri BaseAddress { get; }
    public string LogPath { get; }
    public int Pid => _process.Id;

    private ServiceProcess(string name, Uri baseAddress, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        BaseAddress = baseAddress;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    /// <summary>The Release build of a project, e.g. ("services/publication", "Ppid.Publication").</summary>
    public static string DllPath(string repo, string projectDir, string assembly)
    {
        var path = Path.Combine(repo, projectDir, "bin", "Release", "net10.0", assembly + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built: tests/benchmarks/run.sh builds it (dotnet build {projectDir} -c Release).");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static ServiceProcess Start(string repo, string name, string dll, IReadOnlyDictionary<string, string> environment)
    {
        var url = new Uri($"http://127.0.0.1:{FreePort()}");
        var logDir = Path.Combine(repo, "tests", "benchmarks", "out", "logs");
        Directory.CreateDirectory(logDir);
        var logPath = Path.Combine(logDir, $"{name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!, // content root: the dll's appsettings*.json
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(url.ToString().TrimEnd('/'));
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(name, url, process, log, logPath);
    }

    /// <summary>Runs <c>dotnet dll args</c> to completion (a command-line tool of a service) and returns its standard output.</summary>
    public static async Task<string> RunToolAsync(string dll, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(dll)! };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet {Path.GetFileName(dll)} {string.Join(' ', args)} exited with {process.ExitCode}: {await error}");
        return await output;
    }

    /// <summary>Waits for <c>/health/ready</c>; fails with the last answer and the log's tail.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(3) };
        var deadline = DateTime.UtcNow + timeout;
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} during start-up:\n{Tail()}");
            try
            {
                using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.IsSuccessStatusCode) return;
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{Name} not ready after {timeout}: {last}\n{Tail()}");
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
