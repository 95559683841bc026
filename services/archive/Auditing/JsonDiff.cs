using System.Text.Json.Nodes;

namespace Ppid.Archive.Auditing;

/// <summary>One changed field: its JSON path (<c>registry.title</c>, <c>registry.forms[0].format</c>) and the values before and after.</summary>
public sealed record FieldChange(string Path, JsonNode? Old, JsonNode? New);

/// <summary>Field-level differences between two JSON values (pure): objects by key, arrays by index.</summary>
public static class JsonDiff
{
    public static IReadOnlyList<FieldChange> Between(JsonNode? before, JsonNode? after)
    {
        var changes = new List<FieldChange>();
        Walk("", before, after, changes);
        return changes;
    }

    private static void Walk(string path, JsonNode? before, JsonNode? after, List<FieldChange> changes)
    {
        // A section that appears or disappears is diffed field by field against nothing.
        if (before is JsonObject or null && after is JsonObject or null && (before ?? after) is not null)
        {
            var a = before as JsonObject ?? [];
            var b = after as JsonObject ?? [];
            foreach (var key in a.Select(p => p.Key).Union(b.Select(p => p.Key)).Order(StringComparer.Ordinal))
                Walk(path.Length == 0 ? key : $"{path}.{key}", a[key], b[key], changes);
            return;
        }
        if (before is JsonArray x && after is JsonArray y)
        {
            for (var i = 0; i < Math.Max(x.Count, y.Count); i++)
                Walk($"{path}[{i}]", i < x.Count ? x[i] : null, i < y.Count ? y[i] : null, changes);
            return;
        }
        if (!JsonNode.DeepEquals(before, after)) changes.Add(new FieldChange(path, before?.DeepClone(), after?.DeepClone()));
    }
}
