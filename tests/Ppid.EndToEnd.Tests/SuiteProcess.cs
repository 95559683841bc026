using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ppid.EndToEnd.Tests;

/// <summary>
/// One service of the suite as a real process: <c>dotnet Ppid.X.dll</c> from the repository's build
/// output (the configuration these tests were built in), on a free loopback port, its output in a
/// log file under the test output (tests/Ppid.EndToEnd.Tests/bin/.../logs/).
/// </summary>
public sealed class SuiteProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    public string Name { get; }
    public Uri BaseAddress { get; }
    public string LogPath { get; }
    public IReadOnlyDictionary<string, string> Environment { get; }

    private SuiteProcess(string name, Uri baseAddress, Process process, StreamWriter log, string logPath, IReadOnlyDictionary<string, string> environment)
    {
        Name = name;
        BaseAddress = baseAddress;
        _process = process;
        _log = log;
        LogPath = logPath;
        Environment = environment;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The dll of a project of the suite, e.g. ("services/registry", "Ppid.Registry").</summary>
    public static string DllPath(string projectDir, string assembly)
    {
        // bin/<Configuration>/<tfm>/ of this test assembly names the configuration to use.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = here.Name;
        var configuration = here.Parent!.Name;
        var path = Path.Combine(RepositoryRoot, projectDir, "bin", configuration, tfm, assembly + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built (tests/run.sh builds the solution first).");
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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static SuiteProcess Start(string name, string dll, IReadOnlyDictionary<string, string> environment, int? port = null)
    {
        var url = new Uri($"http://127.0.0.1:{port ?? FreePort()}");
        var logDir = Path.Combine(AppContext.BaseDirectory, "logs");
        Directory.CreateDirectory(logDir);
        var logPath = Path.Combine(logDir, $"{name}-{DateTime.UtcNow:HHmmss}-{Guid.NewGuid():N}"[..40] + ".log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var info = new ProcessStartInfo("dotnet")
        {
            // The content root (appsettings*.json) is the dll's folder.
            WorkingDirectory = Path.GetDirectoryName(dll)!,
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
        return new SuiteProcess(name, url, process, log, logPath, environment);
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

    public string Tail(int lines = 40)
    {
        lock (_log)
        {
            _log.Flush();
            using var reader = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var text = new StreamReader(reader);
            var all = text.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
    }

    /// <summary>SIGKILL: the process gets no chance to clean up (fault tests).</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

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
