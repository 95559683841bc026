using System.Globalization;
using System.Text;

namespace Ppid.Testing.Load;

/// <summary>Markdown for a load run and its reconciliation: what the fault reports and the benchmarks write down.</summary>
public static class SopLoadReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Ms(double ms) => double.IsNaN(ms) ? "n/a" : ms.ToString(ms < 10 ? "0.00" : "0.0", Invariant);

    public static string Percentiles(Distribution d) =>
        d.Count == 0 ? "none" : $"p50 {Ms(d.P50)} / p95 {Ms(d.P95)} / p99 {Ms(d.P99)} / max {Ms(d.Max)} ms (n = {d.Count})";

    public static string Describe(SopLoadResult r)
    {
        var o = r.Options;
        var s = new StringBuilder();
        s.AppendLine(Invariant, $"Load: {o.Tenants} tenant(s) × {o.ItemsPerTenant} items (rounds of {o.ItemsPerRound}), " +
                                $"paced at {(o.CommandsPerSecond > 0 ? o.CommandsPerSecond.ToString("0.#", Invariant) + " commands/s" : "no limit")}.");
        s.AppendLine(Invariant, $"Accepted {r.AcceptedCommands:#,0} commands in {r.CommandsTook.TotalSeconds:0.0} s " +
                                $"({r.Throughput:0.0} commands/s; {r.Attempts:#,0} attempts); everything seen after {r.Took.TotalSeconds:0.0} s.");
        s.AppendLine();
        s.AppendLine("| measurement | p50 / p95 / p99 / max |");
        s.AppendLine("|---|---|");
        s.AppendLine(Invariant, $"| command latency, all commands | {Percentiles(r.CommandLatency)} |");
        foreach (var (command, d) in r.LatencyByCommand.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            s.AppendLine(Invariant, $"| command latency, {command} | {Percentiles(d)} |");
        s.AppendLine(Invariant, $"| serta-merta: ratification → public item page | {Percentiles(r.RatificationToPublic)} |");
        s.AppendLine(Invariant, $"| serta-merta: ratification → in the archive's item history | {Percentiles(r.RatificationToArchived)} |");
        s.AppendLine(Invariant, $"| other items: ratification → in a published edition (includes waiting for the round) | {Percentiles(r.RatificationToEdition)} |");
        s.AppendLine(Invariant, $"| edition published → archived | {Percentiles(r.EditionToArchived)} |");
        s.AppendLine();
        if (r.Refusals.Count == 0) s.AppendLine("Refused attempts: none.");
        else
        {
            s.AppendLine("| refused attempts (retried with the same Idempotency-Key) | count |");
            s.AppendLine("|---|---|");
            foreach (var (kind, count) in r.RefusalsByKind.OrderByDescending(kv => kv.Value)) s.AppendLine(Invariant, $"| {kind} | {count} |");
        }
        foreach (var line in r.RefusedButApplied) s.AppendLine(Invariant, $"- **refused, yet applied**: {line}");
        foreach (var line in r.Unexpected) s.AppendLine(Invariant, $"- unexpected: {line}");
        foreach (var line in r.NotSeen) s.AppendLine(Invariant, $"- not seen: {line}");
        return s.ToString();
    }

    public static string Describe(ReconciliationResult r)
    {
        var s = new StringBuilder();
        s.AppendLine(Invariant, $"Reconciliation: {r.Checks.Count(c => c.Holds)} of {r.Checks.Count} checks hold; " +
                                $"{r.Queues.Count} queues, {r.Queues.Values.Sum():#,0} messages left in them.");
        var byType = r.Checks.Where(c => c.What.Contains(" events", StringComparison.Ordinal) && !c.What.StartsWith("archive ledger", StringComparison.Ordinal))
            .GroupBy(c => c.What[(c.What.IndexOf(": ", StringComparison.Ordinal) + 2)..])
            .Select(g => (What: g.Key, Expected: g.Sum(c => c.Expected), Actual: g.Sum(c => c.Actual)));
        s.AppendLine();
        s.AppendLine("| check (summed over tenants) | accepted | stored |");
        s.AppendLine("|---|---|---|");
        foreach (var (what, expected, actual) in byType.OrderBy(x => x.What, StringComparer.Ordinal))
            s.AppendLine(Invariant, $"| {what} | {expected:#,0} | {actual:#,0} |");
        var items = r.Checks.Where(c => c.What.EndsWith("registry items", StringComparison.Ordinal)).ToList();
        s.AppendLine(Invariant, $"| registry items | {items.Sum(c => c.Expected):#,0} | {items.Sum(c => c.Actual):#,0} |");
        foreach (var c in r.Checks.Where(c => c.What.StartsWith("archive ledger", StringComparison.Ordinal)))
            s.AppendLine(Invariant, $"| {c.What} (in the service / in the ledger) | {c.Expected:#,0} | {c.Actual:#,0} |");
        foreach (var problem in r.Problems) s.AppendLine(Invariant, $"- **problem**: {problem}");
        return s.ToString();
    }
}
