using System.Text.Json.Nodes;
using Ppid.Archive.Ledger;

namespace Ppid.Archive.Reports;

/// <summary>One SOP step of a cycle: its time standard against what the ledger shows.</summary>
public sealed record StepTiming(
    string Code,
    string Name,
    DateTimeOffset DueAt,
    TimeSpan Standard,
    DateTimeOffset? CompletedAt,
    TimeSpan? Actual,
    string Status,
    string? Evidence);

public sealed record CycleReportResponse(Guid CycleId, string Period, int Year, DateTimeOffset OpenedAt, IReadOnlyList<StepTiming> Steps);

/// <summary>
/// Per update cycle, each SOP step's actual duration against the tenant's time standard (pure).
/// A step is done when the ledger shows the event that ends it, within the cycle's window (from
/// its opening to the next cycle's): collect → collection closed; receive → the last submission;
/// verify → the last acceptance or return; classify → the last proposal; meeting → the last
/// meeting record; ratify → the last ratification; publish → the first edition published after
/// collection; archive → that edition's archiving. A step's standard is the time between its due
/// instant and the previous one's (the cycle's opening for the first); its actual duration runs
/// from the previous step's completion. Step codes without a known ending event stay "unknown".
/// </summary>
public static class CycleReport
{
    private static readonly Dictionary<string, (Func<string, bool> Ends, bool First)> Endings = new(StringComparer.Ordinal)
    {
        ["collect"] = (t => t == "registry.collection-closed.v1", false),
        ["receive"] = (t => t == "registry.items-submitted.v1", false),
        ["verify"] = (t => t is "registry.submitted-item-accepted.v1" or "registry.submitted-item-returned.v1", false),
        ["classify"] = (t => t.StartsWith("classification.", StringComparison.Ordinal) && t.Contains("proposed", StringComparison.Ordinal), false),
        ["meeting"] = (t => t.StartsWith("classification.", StringComparison.Ordinal) && t.Contains("meeting", StringComparison.Ordinal), false),
        ["ratify"] = (t => t == "classification.classification-ratified.v1", false),
        ["publish"] = (t => t == "publication.edition-published.v1", true),
        ["archive"] = (t => t == "archive.edition-archived.v1", true),
    };

    /// <summary><paramref name="window"/>: the tenant's ledger rows from the cycle's opening to the next cycle's, in recorded order.</summary>
    public static CycleReportResponse Build(JsonObject opened, IReadOnlyList<LedgerEntry> window)
    {
        var openedAt = opened["openedAt"]!.GetValue<DateTimeOffset>();
        var cycleId = opened["cycleId"]!.GetValue<Guid>();
        var steps = new List<StepTiming>();
        var previousDue = openedAt;
        DateTimeOffset? previousDone = openedAt;
        foreach (var step in opened["steps"]!.AsArray())
        {
            var code = step!["code"]!.GetValue<string>();
            var due = step["dueAt"]!.GetValue<DateTimeOffset>();
            LedgerEntry? end = null;
            if (Endings.TryGetValue(code, out var ending))
            {
                var matches = window.Where(r => ending.Ends(r.Type) && (!ending.First || previousDone is null || r.RecordedAt >= previousDone));
                end = ending.First ? matches.FirstOrDefault() : matches.LastOrDefault();
            }
            var done = end?.RecordedAt;
            var status = !Endings.ContainsKey(code) ? "unknown" : done is null ? "pending" : done <= due ? "on-time" : "late";
            steps.Add(new StepTiming(code, step["name"]!.GetValue<string>(), due, due - previousDue, done,
                done is not null && previousDone is not null ? done - previousDone : null, status,
                end is null ? null : $"{end.SourceService} {end.Type} (ledger {end.Sequence})"));
            previousDue = due;
            previousDone = done ?? previousDone;
        }
        return new CycleReportResponse(cycleId, opened["period"]!.GetValue<string>(), opened["year"]!.GetValue<int>(), openedAt, steps);
    }
}
