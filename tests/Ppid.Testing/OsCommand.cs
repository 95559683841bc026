using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ppid.Testing;

/// <summary>Runs the operating system's tools (pg_ctl, rabbitmqctl, kill ...) for the private servers, with a deadline, and looks at processes.</summary>
public static class OsCommand
{
    public sealed record Result(int ExitCode, string Output)
    {
        public bool Succeeded => ExitCode == 0;
    }

    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="args"/>, as OS user <paramref name="user"/>
    /// (through <c>runuser -u user --</c>) when given, in <paramref name="workingDirectory"/>, with
    /// <paramref name="environment"/> added. Answers the exit code and stdout+stderr; a command still
    /// running at <paramref name="timeout"/> is killed and reported as a <see cref="TimeoutException"/>.
    /// </summary>
    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, string? user = null,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(user is null ? file : "runuser")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // some tools wait on a terminal otherwise
            UseShellExecute = false,
        };
        if (user is not null)
        {
            foreach (var a in new[] { "-u", user, "--", file }) info.ArgumentList.Add(a);
        }
        foreach (var a in args) info.ArgumentList.Add(a);
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var commandLine = string.Join(' ', info.ArgumentList.Prepend(info.FileName));

        using var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Cannot run `{commandLine}`: {e.Message}", e);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (output) throw new TimeoutException($"`{commandLine}` did not finish within {timeout.TotalSeconds:0} s; its output:\n{output}");
        }
        process.WaitForExit(); // flushes the asynchronous readers
        lock (output) return new Result(process.ExitCode, output.ToString().TrimEnd());
    }

    /// <summary>Like <see cref="RunAsync"/>, failing with <paramref name="what"/>, the command's output and <paramref name="context"/> when it exits non-zero.</summary>
    public static async Task<string> RunCheckedAsync(string what, Func<string> context, string file, IEnumerable<string> args, TimeSpan timeout,
        string? user = null, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = await RunAsync(file, args, timeout, user, workingDirectory, environment);
        return result.Succeeded ? result.Output
            : throw new InvalidOperationException($"{what} failed (exit code {result.ExitCode}):\n{result.Output}\n{context()}");
    }

    /// <summary>Sends a signal (STOP, CONT, KILL ...) to a process.</summary>
    public static async Task SignalAsync(int pid, string signal)
    {
        var result = await RunAsync("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
        if (!result.Succeeded) throw new InvalidOperationException($"kill -{signal} {pid} failed: {result.Output}");
    }

    /// <summary>
    /// Whether the process exists and has not exited. A zombie (exited, not reaped yet: daemons here
    /// are reparented to a PID 1 that reaps late) runs nothing and holds no port, so it counts as gone.
    /// </summary>
    public static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..].FirstOrDefault() != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="pid"/>'s command line or environment contains <paramref name="text"/> (how a server's process is told from others').</summary>
    public static bool Mentions(int pid, string text)
    {
        foreach (var file in new[] { "cmdline", "environ" })
        {
            try
            {
                if (File.ReadAllText($"/proc/{pid}/{file}").Contains(text, StringComparison.Ordinal)) return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false; // gone
            }
        }
        return false;
    }

    /// <summary>Waits until <paramref name="pid"/> has exited, polling; false when it still runs at <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (IsRunning(pid))
        {
            if (waited.Elapsed > timeout) return false;
            await Task.Delay(100);
        }
        return true;
    }

    public static void RequireRoot(string what)
    {
        if (Environment.UserName != "root")
            throw new InvalidOperationException($"{what} runs the server as its own OS user through `runuser`, which needs root (the tests run as root, like deploy/local/infra.sh).");
    }

    public static void RequireFile(string path, string what)
    {
        if (!File.Exists(path)) throw new InvalidOperationException($"{path} is missing: {what}. {TestInfrastructure.HowToStart}");
    }

    /// <summary>
    /// A loopback port that is free now, below the kernel's ephemeral range (32768+ here), so no
    /// outgoing connection takes it while the server that owns it is stopped for a while.
    /// </summary>
    public static int FreePort(ICollection<int> taken)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20000, 32000);
            if (taken.Contains(port) || !CanListenOn(port)) continue;
            taken.Add(port);
            return port;
        }
        throw new InvalidOperationException("No free TCP port found between 20000 and 32000.");
    }

    /// <summary>Whether a listener could bind <paramref name="port"/> now (on any address: a port bound on 0.0.0.0 by someone else is taken for 127.0.0.1 too).</summary>
    public static bool CanListenOn(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The sockets on local port <paramref name="port"/> with their owning processes (<c>ss -tanp</c>), for a failure message.</summary>
    public static async Task<string> SocketsOnAsync(int port)
    {
        try
        {
            return (await RunAsync("ss", ["-tanp", $"sport = :{port}"], TimeSpan.FromSeconds(10))).Output;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            return $"(ss could not run: {e.Message})";
        }
    }

    public static string Tail(string path, int lines)
    {
        if (!File.Exists(path)) return $"({path} does not exist)";
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
    }
}
