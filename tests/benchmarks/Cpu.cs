using System.Diagnostics;

namespace Ppid.Benchmarks;

/// <summary>CPU time used so far by this process and by every PostgreSQL process on the machine.</summary>
internal readonly record struct CpuSample(TimeSpan Harness, TimeSpan Postgres)
{
    private const double ClockTicksPerSecond = 100; // USER_HZ, 100 on Linux

    public static CpuSample Take()
    {
        using var self = Process.GetCurrentProcess();
        return new CpuSample(self.TotalProcessorTime, TimeSpan.FromSeconds(PostgresTicks() / ClockTicksPerSecond));
    }

    public static CpuSample operator -(CpuSample a, CpuSample b) => new(a.Harness - b.Harness, a.Postgres - b.Postgres);

    /// <summary>utime + stime of every process whose command is postgres (backends, WAL writer, checkpointer...).</summary>
    private static long PostgresTicks()
    {
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0])) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                if (open < 0 || close < open || stat[(open + 1)..close] != "postgres") continue;
                // Fields after the command: state(3) ppid(4) ... utime(14) stime(15).
                var fields = stat[(close + 2)..].Split(' ');
                ticks += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture)
                       + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException) { } // exited meanwhile
            catch (UnauthorizedAccessException) { }
        }
        return ticks;
    }
}
