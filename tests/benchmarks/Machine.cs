using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Ppid.Testing;

namespace Ppid.Benchmarks;

internal sealed record MachineInfo(IReadOnlyList<(string Name, string Value)> Facts);

/// <summary>What the numbers were measured on: hardware, versions, settings that bound them, the commit.</summary>
internal static class Machine
{
    public static async Task<MachineInfo> DescribeAsync(string repo)
    {
        var facts = new List<(string, string)>
        {
            ("date (UTC)", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
            ("git commit", await GitAsync(repo)),
            ("CPU", CpuModel()),
            ("nproc", (await RunAsync("nproc", [])).Trim()),
            ("memory (free -h)", FreeSummary(await RunAsync("free", ["-h"]))),
            ("OS / kernel", $"{OsName()} / {(await RunAsync("uname", ["-r"])).Trim()}"),
            (".NET", $"{RuntimeInformation.FrameworkDescription} (SDK {(await RunAsync("dotnet", ["--version"])).Trim()}), {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC"),
        };
        facts.AddRange(await PostgresAsync());
        facts.Add(("RabbitMQ", await RabbitAsync()));
        facts.Add(("fsync of an 8 kB write, PostgreSQL's disk", FsyncProbe()));
        return new MachineInfo(facts);
    }

    public static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }

    public static double LoadAverage1() =>
        double.TryParse(LoadAverage().Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var l) ? l : double.NaN;

    private static async Task<string> GitAsync(string repo)
    {
        var head = (await RunAsync("git", ["-C", repo, "rev-parse", "--short=12", "HEAD"])).Trim();
        var subject = (await RunAsync("git", ["-C", repo, "log", "-1", "--format=%s"])).Trim();
        var dirty = (await RunAsync("git", ["-C", repo, "status", "--porcelain", "--untracked-files=no"])).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        if (subject.Length > 60) subject = subject[..57] + "...";
        return $"{head} \"{subject}\"{(dirty > 0 ? $" + {dirty} uncommitted changes to tracked files" : "")}";
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException) { return "unknown"; }
    }

    private static string OsName()
    {
        try
        {
            var line = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            return line?["PRETTY_NAME=".Length..].Trim('"') ?? RuntimeInformation.OSDescription;
        }
        catch (IOException) { return RuntimeInformation.OSDescription; }
    }

    private static string FreeSummary(string free)
    {
        var mem = free.Split('\n').FirstOrDefault(l => l.StartsWith("Mem:", StringComparison.Ordinal));
        if (mem is null) return free.Trim();
        var parts = mem.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 7 ? $"total {parts[1]}, used {parts[2]}, available {parts[6]}" : mem;
    }

    private static async Task<List<(string, string)>> PostgresAsync()
    {
        var facts = new List<(string, string)>();
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(new Npgsql.NpgsqlConnectionStringBuilder(TestInfrastructure.Postgres) { Database = "postgres", Pooling = false }.ConnectionString);
        await using (var cmd = dataSource.CreateCommand("select version()"))
            facts.Add(("PostgreSQL", ((string)(await cmd.ExecuteScalarAsync())!).Split(',')[0]));
        var settings = new List<string>();
        foreach (var name in new[] { "synchronous_commit", "fsync", "wal_sync_method", "commit_delay", "shared_buffers", "max_wal_size", "jit" })
        {
            await using var cmd = dataSource.CreateCommand($"show {name}");
            settings.Add($"{name}={await cmd.ExecuteScalarAsync()}");
        }
        facts.Add(("PostgreSQL settings", string.Join(", ", settings)));
        return facts;
    }

    private static async Task<string> RabbitAsync()
    {
        var management = TestInfrastructure.RabbitMqManagement;
        using var http = new HttpClient { BaseAddress = new UriBuilder(management) { UserName = "", Password = "" }.Uri, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(management.UserInfo))));
        try
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/overview", UriKind.Relative)));
            var root = doc.RootElement;
            return $"{root.GetProperty("rabbitmq_version").GetString()} (Erlang {root.GetProperty("erlang_version").GetString()})";
        }
        catch (HttpRequestException e)
        {
            return $"unknown ({e.Message})";
        }
    }

    /// <summary>
    /// How fast the disk under PostgreSQL's data directory makes an 8 kB write durable (write + fsync,
    /// 1 s): the floor of a single writer's commit latency with synchronous_commit=on.
    /// </summary>
    private static string FsyncProbe()
    {
        var folder = Directory.Exists("/var/lib/postgresql") ? "/var/lib/postgresql" : Path.GetTempPath();
        var path = Path.Combine(folder, $".ppid-bench-fsync-{Environment.ProcessId}");
        try
        {
            var block = new byte[8192];
            var samples = new List<double>();
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                var total = Stopwatch.StartNew();
                while (total.Elapsed < TimeSpan.FromSeconds(1))
                {
                    var start = Stopwatch.GetTimestamp();
                    file.Position = 0;
                    file.Write(block);
                    file.Flush(flushToDisk: true);
                    samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
            var d = new Distribution(samples);
            return $"{Format.Rate(samples.Count / samples.Sum() * 1000)}/s, median {Format.Ms(d.P50)} ms ({folder})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"n/a ({e.Message})";
        }
        finally
        {
            try { File.Delete(path); } catch (IOException) { }
        }
    }

    public static async Task<string> RunAsync(string file, string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return output;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"n/a ({e.Message})";
        }
    }
}
