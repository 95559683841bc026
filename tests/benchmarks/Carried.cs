using System.Text;
using System.Text.RegularExpressions;

namespace Ppid.Benchmarks;

/// <summary>
/// The results of sections a run leaves out (<c>--only</c>), taken from the report it replaces: each
/// section's block, its summary rows and its load-average rows, marked with the run they come from
/// (that report's date and commit). Marks already present are kept, so a result carried twice still
/// names the run that measured it.
/// </summary>
internal sealed partial record Carried(IReadOnlyDictionary<string, string> Blocks, IReadOnlyDictionary<string, List<string>> SummaryRows, IReadOnlyList<string> LoadRows)
{
    public static readonly Carried None = new(new Dictionary<string, string>(), new Dictionary<string, List<string>>(), []);

    private static readonly Dictionary<string, (string Heading, string SummaryPrefix, string LoadPrefix)> Sections = new(StringComparer.Ordinal)
    {
        ["append"] = ("## 1. Append throughput", "| append throughput", "| load average during append throughput"),
        ["latency"] = ("## 2. Commit-to-consumer latency", "| commit-to-consumer latency", "| load average during commit-to-consumer latency"),
        ["rebuild"] = ("## 3. Projection rebuild", "| projection rebuild", "| load average during projection rebuild"),
        ["publication"] = ("## 4. Publication", "| publication:", "| load average during publication"),
        ["gateway"] = ("## 5. Gateway", "| gateway:", "| load average during gateway"),
        ["suite"] = ("## 6. The whole suite", "| suite:", "| load average during the whole suite"),
    };

    public static Carried From(string previous, IReadOnlyList<string> sections)
    {
        var lines = previous.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var date = Fact(lines, "date (UTC)") ?? "unknown date";
        var commit = Fact(lines, "git commit") ?? "unknown commit";
        var mode = previous.Contains("quick smoke mode", StringComparison.Ordinal) ? "quick smoke mode" : "full mode";
        var run = $"run of {date}";
        var blocks = new Dictionary<string, string>(StringComparer.Ordinal);
        var summary = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var loads = new List<string>();
        foreach (var section in sections)
        {
            if (!Sections.TryGetValue(section, out var s)) continue;
            var start = Array.FindIndex(lines, l => l.StartsWith(s.Heading, StringComparison.Ordinal));
            if (start < 0) continue;
            var end = Array.FindIndex(lines, start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
            var block = lines[start..(end < 0 ? lines.Length : end)].ToList();
            while (block.Count > 0 && block[^1].Length == 0) block.RemoveAt(block.Count - 1);
            if (!(block.Count > 2 && block[2].StartsWith("*Carried over", StringComparison.Ordinal)))
                block.InsertRange(1, ["", $"*Carried over from the {run} (commit {commit}, {mode}): this section was not re-run by the run at the top of this file.*"]);
            var text = new StringBuilder();
            foreach (var line in block) text.Append(line).Append('\n');
            blocks[section] = text.Append('\n').ToString();

            foreach (var row in lines.Where(l => l.StartsWith(s.SummaryPrefix, StringComparison.Ordinal)))
                (summary.TryGetValue(section, out var rows) ? rows : summary[section] = []).Add(Cells(row) >= 5 ? row : row + $" {run} |");
            foreach (var row in lines.Where(l => l.StartsWith(s.LoadPrefix, StringComparison.Ordinal)))
                loads.Add(row.Contains(", run of ", StringComparison.Ordinal) ? row : row.Replace(" (before → after) |", $" (before → after), {run} |", StringComparison.Ordinal));
        }
        return new Carried(blocks, summary, loads);
    }

    private static int Cells(string row) => row.Trim().Trim('|').Split('|').Length;

    private static string? Fact(string[] lines, string name) =>
        lines.Select(l => FactRow().Match(l)).Where(m => m.Success && m.Groups[1].Value == name).Select(m => m.Groups[2].Value.Trim()).FirstOrDefault();

    [GeneratedRegex(@"^\| ([^|]+) \| (.+) \|$")]
    private static partial Regex FactRow();
}
