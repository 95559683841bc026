using System.Globalization;

namespace Ppid.Testing;

/// <summary>
/// The temporary directory of a private server, owned by the server's OS user and marked with the
/// test process that made it. A test host that died (killed by the hang timeout, say) cannot stop
/// its servers; the next private server started on the machine stops and deletes them.
/// </summary>
internal static class PrivateDirectory
{
    private const string OwnerFile = "owner";

    /// <summary>Creates /tmp/{prefix}{random}, marks it as this process's, and hands it to <paramref name="osUser"/>.</summary>
    public static async Task<string> CreateAsync(string prefix, string osUser)
    {
        var path = Directory.CreateTempSubdirectory(prefix).FullName;
        await File.WriteAllTextAsync(Path.Combine(path, OwnerFile), Marker(Environment.ProcessId));
        // 0700 (CreateTempSubdirectory), now the server's user's: root, running the tests, reads it anyway.
        await OsCommand.RunCheckedAsync($"chown {osUser} {path}", () => "", "chown", ["-R", $"{osUser}:{osUser}", path], TimeSpan.FromSeconds(30));
        return path;
    }

    /// <summary>Stops (with <paramref name="stop"/>) and deletes the directories of <paramref name="prefix"/> whose test process is gone.</summary>
    public static async Task SweepAbandonedAsync(string prefix, Func<string, Task> stop)
    {
        foreach (var path in Directory.EnumerateDirectories(Path.GetTempPath(), prefix + "*"))
        {
            var owner = Path.Combine(path, OwnerFile);
            if (!File.Exists(owner) || IsAlive(await File.ReadAllTextAsync(owner))) continue;
            try
            {
                await stop(path);
                Directory.Delete(path, recursive: true);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException or UnauthorizedAccessException)
            {
                // Another test host may be sweeping it at the same time; what is left goes next time.
            }
        }
    }

    public static void Delete(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
    }

    /// <summary>"pid start-time": the start time tells a live owner from a later process that reuses its pid.</summary>
    private static string Marker(int pid) => $"{pid} {StartTime(pid)}";

    private static bool IsAlive(string marker)
    {
        var parts = marker.Trim().Split(' ');
        return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid) && StartTime(pid) is { } started && started == parts[1];
    }

    private static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may hold spaces): state is field 3, start time field 22.
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>One operation at a time on a private server: a restart, a freeze and a disposal must not interleave.</summary>
internal sealed class OneAtATime
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task RunAsync(Func<Task> operation)
    {
        await _gate.WaitAsync();
        try
        {
            await operation();
        }
        finally
        {
            _gate.Release();
        }
    }
}
