using System.Globalization;

namespace Ppid.Benchmarks;

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

internal static class Stats
{
    /// <summary>The median (the mean of the middle two for an even count); NaN for none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
