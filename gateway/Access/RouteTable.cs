namespace Ppid.Gateway.Access;

/// <summary>
/// One line of the route table: <see cref="Methods"/> (comma-separated, <c>*</c> for all) on paths
/// matching <see cref="Path"/> need <see cref="Scope"/>. A pattern segment <c>**</c> matches any
/// number of segments, <c>*</c> within a segment any characters (<c>ratif*</c>). The scope
/// <see cref="AnyKey"/> means any valid key of the tenant.
/// </summary>
public sealed class RouteRule
{
    public const string AnyKey = "tenant";

    public string Methods { get; set; } = "*";
    public string Path { get; set; } = "";
    public string Scope { get; set; } = "";

    public override string ToString() => $"{Methods} {Path} → {Scope}";
}

/// <summary>The route table, read in order: the first rule that matches the method and path decides.</summary>
public sealed class RouteTable
{
    private readonly List<(HashSet<string>? Methods, string[] Segments, RouteRule Rule)> _rules;

    public RouteTable(IReadOnlyList<RouteRule> rules)
    {
        if (rules.Count == 0) throw new InvalidOperationException("Gateway:Routes is empty: every API path needs a rule naming its scope (appsettings.json has the defaults).");
        foreach (var rule in rules)
        {
            if (!rule.Path.StartsWith('/') || string.IsNullOrWhiteSpace(rule.Scope))
                throw new InvalidOperationException($"Gateway:Routes has an invalid rule '{rule}': Path must start with / and Scope must be a scope or '{RouteRule.AnyKey}'.");
            if (rule.Scope != RouteRule.AnyKey && !Scopes.All.Contains(rule.Scope))
                throw new InvalidOperationException($"Gateway:Routes rule '{rule}' names an unknown scope; known: {string.Join(", ", Scopes.All)}.");
        }
        Rules = rules;
        _rules = rules.Select(r => (
            r.Methods.Trim() == "*" ? null : new HashSet<string>(r.Methods.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), StringComparer.OrdinalIgnoreCase),
            Split(r.Path), r)).ToList();
    }

    public IReadOnlyList<RouteRule> Rules { get; }

    public RouteRule? Match(string method, string path)
    {
        var segments = Split(path);
        foreach (var (methods, pattern, rule) in _rules)
            if ((methods is null || methods.Contains(method)) && Matches(pattern, 0, segments, 0)) return rule;
        return null;
    }

    private static string[] Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    private static bool Matches(string[] pattern, int p, string[] path, int s)
    {
        if (p == pattern.Length) return s == path.Length;
        if (pattern[p] == "**")
        {
            for (var skip = s; skip <= path.Length; skip++)
                if (Matches(pattern, p + 1, path, skip)) return true;
            return false;
        }
        return s < path.Length && SegmentMatches(pattern[p], path[s]) && Matches(pattern, p + 1, path, s + 1);
    }

    private static bool SegmentMatches(string pattern, string segment)
    {
        var star = pattern.IndexOf('*', StringComparison.Ordinal);
        if (star < 0) return string.Equals(pattern, segment, StringComparison.OrdinalIgnoreCase);
        var prefix = pattern[..star];
        var suffix = pattern[(star + 1)..];
        return segment.Length >= prefix.Length + suffix.Length
               && segment.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
               && segment.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
    }
}
