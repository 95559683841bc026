using System.Diagnostics;

namespace Ppid.Benchmarks;

/// <summary>CPU time used so far by this process and by every PostgreSQL process on the machine.</summary>
internal readonly record struct CpuSample(TimeSpan Harness, TimeSpan Postgres)
{
    public static CpuSample Take()
    {
        using var self = Process.GetCurrentProcess();
        return new CpuSample(self.TotalProcessorTime, MachineCpu.OfCommand("postgres"));
    }

    public static CpuSample operator -(CpuSample a, CpuSample b) => new(a.Harness - b.Harness, a.Postgres - b.Postgres);
}

/// <summary>CPU time of processes on this machine, from /proc.</summary>
internal static class MachineCpu
{
    private const double ClockTicksPerSecond = 100; // USER_HZ, 100 on Linux

    /// <summary>utime + stime of every process whose command (comm) is <paramref name="command"/>: "postgres" (backends, WAL writer, checkpointer...), "beam.smp" (RabbitMQ).</summary>
    public static TimeSpan OfCommand(string command)
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
                if (open < 0 || close < open || stat[(open + 1)..close] != command) continue;
                // Fields after the command: state(3) ppid(4) ... utime(14) stime(15).
                var fields = stat[(close + 2)..].Split(' ');
                ticks += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture)
                       + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException) { } // exited meanwhile
            catch (UnauthorizedAccessException) { }
        }
        return TimeSpan.FromSeconds(ticks / ClockTicksPerSecond);
    }

    /// <summary>The whole machine's busy CPU time (all cores, from /proc/stat: everything but idle and iowait).</summary>
    public static TimeSpan Busy()
    {
        var fields = Fields();
        return TimeSpan.FromSeconds((fields.Sum() - fields[3] - fields[4]) / ClockTicksPerSecond);
    }

    /// <summary>
    /// The CPU time the hypervisor gave to other guests while this machine had work (steal, part of
    /// <see cref="Busy"/>): capacity this (virtual) machine lost, which no process here used.
    /// </summary>
    public static TimeSpan Stolen() => TimeSpan.FromSeconds(Fields()[7] / ClockTicksPerSecond);

    // The "cpu" line: user nice system idle iowait irq softirq steal guest guest_nice.
    private static long[] Fields() => File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
        .Select(f => long.Parse(f, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
