using System.Globalization;

namespace Ppid.Benchmarks;

/// <summary>Percentiles (nearest rank) of a set of samples in milliseconds.</summary>
internal sealed class Distribution
{
    private readonly double[] _sorted;

    public Distribution(IEnumerable<double> samples)
    {
        _sorted = samples.ToArray();
        Array.Sort(_sorted);
    }

    public int Count => _sorted.Length;
    public IReadOnlyList<double> Samples => _sorted;
    public double P50 => Percentile(50);
    public double P95 => Percentile(95);
    public double P99 => Percentile(99);
    public double Max => _sorted.Length == 0 ? double.NaN : _sorted[^1];
    public double Min => _sorted.Length == 0 ? double.NaN : _sorted[0];
    public double Mean => _sorted.Length == 0 ? double.NaN : _sorted.Average();

    public double Percentile(double p)
    {
        if (_sorted.Length == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p / 100 * _sorted.Length);
        return _sorted[Math.Clamp(rank - 1, 0, _sorted.Length - 1)];
    }
}

internal static class Format
{
    public static string Ms(double ms) => double.IsNaN(ms) ? "n/a"
        : ms < 10 ? ms.ToString("0.00", CultureInfo.InvariantCulture)
        : ms.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>A difference in milliseconds with its sign (+0.12, -0.30).</summary>
    public static string SignedMs(double ms) => double.IsNaN(ms) ? "n/a" : (ms >= 0 ? "+" : "−") + Ms(Math.Abs(ms));

    public static string Rate(double perSecond) => double.IsNaN(perSecond) ? "n/a" : perSecond.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Count(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Percent(double ratio) => double.IsNaN(ratio) ? "n/a" : (ratio * 100).ToString("0", CultureInfo.InvariantCulture) + " %";

    public static string Met(bool met) => met ? "yes" : "**NO**";

    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
