using YamlDotNet.RepresentationModel;

namespace Ppid.Deploy.Tests;

/// <summary>
/// A read-only view of a parsed YAML node that never throws on a missing key: a missing node has
/// <see cref="Exists"/> false, and <see cref="Path"/> names where it was looked for, so an assertion
/// message says which field of which file or manifest is wrong.
/// </summary>
public sealed class Node(YamlNode? node, string path)
{
    public string Path { get; } = path;
    public bool Exists => node is not null;
    public string? Text => (node as YamlScalarNode)?.Value;

    public Node this[string key] => new(Lookup(node, key), $"{Path}.{key}");

    public IReadOnlyList<Node> Items => node is YamlSequenceNode seq
        ? seq.Children.Select((child, i) => new Node(child, $"{Path}[{i}]")).ToList()
        : [];

    public IReadOnlyList<KeyValuePair<string, Node>> Entries => Keys(node).Select(k => new KeyValuePair<string, Node>(k, this[k])).ToList();

    public bool IsMapping => node is YamlMappingNode;

    public override string ToString() => Path;

    private static readonly YamlScalarNode MergeKey = new("<<");

    // YAML merge keys (<<: *anchor, or a list of anchors), as Compose reads them: a key of the
    // mapping itself wins over a merged one; earlier merged mappings win over later ones.
    private static YamlNode? Lookup(YamlNode? node, string key)
    {
        if (node is not YamlMappingNode map) return null;
        if (map.Children.TryGetValue(new YamlScalarNode(key), out var own)) return own;
        return Merged(map).Select(m => Lookup(m, key)).FirstOrDefault(found => found is not null);
    }

    private static IEnumerable<string> Keys(YamlNode? node)
    {
        if (node is not YamlMappingNode map) return [];
        var own = map.Children.Keys.Cast<YamlScalarNode>().Select(k => k.Value!).Where(k => k != "<<");
        return own.Concat(Merged(map).SelectMany(Keys)).Distinct(StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<YamlNode> Merged(YamlMappingNode map) =>
        !map.Children.TryGetValue(MergeKey, out var merge) ? []
        : merge is YamlSequenceNode list ? list.Children
        : [merge];

    /// <summary>Every document of a YAML text (aliases resolved; merge keys applied on lookup).</summary>
    public static IReadOnlyList<Node> LoadAll(string text, string source)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(text);
        stream.Load(reader);
        return stream.Documents
            .Where(d => d.RootNode is not YamlScalarNode { Value: null or "" })
            .Select((d, i) => new Node(d.RootNode, stream.Documents.Count > 1 ? $"{source}#{i}" : source))
            .ToList();
    }

    public static Node Load(string text, string source) => LoadAll(text, source).Single();
}
