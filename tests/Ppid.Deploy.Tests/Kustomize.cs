using System.Collections.Concurrent;

namespace Ppid.Deploy.Tests;

/// <summary>
/// Renders a kustomization with the real tool: <c>kubectl kustomize</c>, else <c>kustomize build</c>.
/// Tests that need it are <see cref="KustomizeTheoryAttribute"/>s, skipped with the reason when
/// neither tool is installed.
/// </summary>
public static class Kustomize
{
    public const string Base = "deploy/kubernetes/base";
    public const string Production = "deploy/kubernetes/overlays/production";

    private static readonly Lazy<(string Tool, string[] Arguments)?> Command = new(() =>
        Tools.Works("kubectl", "version", "--client") ? ("kubectl", ["kustomize"])
        : Tools.Works("kustomize", "version") ? ("kustomize", ["build"])
        : null);

    private static readonly ConcurrentDictionary<string, Lazy<Manifests>> Cache = new(StringComparer.Ordinal);

    public static string? Unavailable => Command.Value is null
        ? "neither kubectl (kubectl kustomize) nor kustomize is on PATH: install kubectl to render the manifests"
        : null;

    public static ToolResult Run(string kustomization)
    {
        var (tool, arguments) = Command.Value ?? throw new InvalidOperationException(Unavailable);
        return Tools.Run(tool, [.. arguments, Repo.PathOf(kustomization)]);
    }

    /// <summary>The rendered objects of a kustomization (rendered once per test run).</summary>
    public static Manifests Render(string kustomization) => Cache.GetOrAdd(kustomization, k => new Lazy<Manifests>(() =>
    {
        var result = Run(k);
        if (result.ExitCode != 0) throw new InvalidOperationException($"rendering {k} failed ({result.ExitCode}): {result.Error}");
        return new Manifests(k, Node.LoadAll(result.Output, k));
    })).Value;
}

/// <summary>Rendered Kubernetes objects, each named kind/name in assertion messages.</summary>
public sealed class Manifests(string source, IReadOnlyList<Node> objects)
{
    public string Source { get; } = source;
    public IReadOnlyList<Node> All { get; } = objects;

    public IReadOnlyList<Node> OfKind(string kind) => All.Where(o => o["kind"].Text == kind).ToList();

    public IReadOnlyList<Node> Deployments => OfKind("Deployment");

    public static string NameOf(Node o) => $"{o["kind"].Text}/{o["metadata"]["name"].Text}";

    public static IReadOnlyDictionary<string, string> Labels(Node labels) =>
        labels.Entries.ToDictionary(e => e.Key, e => e.Value.Text ?? "", StringComparer.Ordinal);

    public static IReadOnlyDictionary<string, string> PodLabels(Node deployment) =>
        Labels(deployment["spec"]["template"]["metadata"]["labels"]);

    /// <summary>
    /// Whether a label selector selects the given labels. Only matchLabels (or a plain map, as a
    /// Service's selector) is understood; a selector with matchExpressions fails the test instead of
    /// being guessed at.
    /// </summary>
    public static bool Selects(Node selector, IReadOnlyDictionary<string, string> labels)
    {
        selector["matchExpressions"].Exists.ShouldBeFalse($"{selector.Path}: matchExpressions are not understood by these tests");
        var required = selector["matchLabels"].Exists ? Labels(selector["matchLabels"]) : Labels(selector);
        return required.All(r => labels.TryGetValue(r.Key, out var v) && v == r.Value);
    }
}

/// <summary>A theory over rendered manifests; skipped, with the reason, when no renderer is installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KustomizeTheoryAttribute : TheoryAttribute
{
    public KustomizeTheoryAttribute()
    {
        if (Kustomize.Unavailable is { } reason) Skip = reason;
    }
}

[AttributeUsage(AttributeTargets.Method)]
public sealed class KustomizeFactAttribute : FactAttribute
{
    public KustomizeFactAttribute()
    {
        if (Kustomize.Unavailable is { } reason) Skip = reason;
    }
}
