using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Ppid.Deploy.Tests;

public sealed partial class DockerfileTests
{
    public static TheoryData<string, string> Images => new()
    {
        { "registry", "services/registry/Ppid.Registry.csproj" },
        { "classification", "services/classification/Ppid.Classification.csproj" },
        { "publication", "services/publication/Ppid.Publication.csproj" },
        { "archive", "services/archive/Ppid.Archive.csproj" },
        { "gateway", "gateway/Ppid.Gateway.csproj" },
    };

    private static List<string> Instructions(string name) =>
        Repo.Read($"deploy/docker/{name}.Dockerfile").Replace("\\\n", " ", StringComparison.Ordinal).Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    [Theory]
    [MemberData(nameof(Images))]
    public void The_image_builds_in_an_sdk_stage_and_runs_on_the_aspnet_runtime_as_a_non_root_user(string name, string project)
    {
        var lines = Instructions(name);
        var stages = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        stages.Count.ShouldBe(2, $"{name}: a build stage and a runtime stage");
        stages[0].ShouldContain("DOTNET_SDK_IMAGE");
        stages[1].ShouldContain("DOTNET_RUNTIME_IMAGE");
        lines.ShouldContain(l => l.StartsWith("ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0", StringComparison.Ordinal));
        lines.ShouldContain(l => l.StartsWith("ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0", StringComparison.Ordinal));

        var runtime = lines.SkipWhile(l => l != stages[1]).ToList();
        var user = runtime.LastOrDefault(l => l.StartsWith("USER ", StringComparison.Ordinal));
        user.ShouldNotBeNull($"{name}: the runtime stage sets a USER");
        user.ShouldNotBeOneOf("USER root", "USER 0");
        runtime.ShouldContain(l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal) && l.Contains("/health/ready"), $"{name}: HEALTHCHECK on /health/ready");
        runtime.ShouldContain("EXPOSE 8080");
        runtime.ShouldContain(l => l.StartsWith("ENV Urls=http://+:8080", StringComparison.Ordinal), $"{name}: listens on 8080 on every interface (appsettings.json binds loopback)");
        runtime.Last(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal))
            .ShouldBe($"ENTRYPOINT [\"dotnet\", \"{Path.GetFileNameWithoutExtension(project)}.dll\"]");
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Restore_runs_on_the_project_files_alone_and_they_include_every_project_reference(string name, string project)
    {
        var lines = Instructions(name);
        var restore = lines.FindIndex(l => l.StartsWith("RUN dotnet restore ", StringComparison.Ordinal));
        restore.ShouldBeGreaterThan(0, $"{name}: an explicit restore step");
        lines[restore].ShouldBe($"RUN dotnet restore {project}");
        var copiedBefore = lines.Take(restore).Where(l => l.StartsWith("COPY ", StringComparison.Ordinal)).ToList();
        copiedBefore.ShouldAllBe(l => l.Contains(".csproj") || l.Contains("Directory."), $"{name}: only project and build files before restore, so source edits keep the restore layer cached");
        copiedBefore.ShouldContain(l => l.Contains("Directory.Build.props") && l.Contains("Directory.Build.targets") && l.Contains("Directory.Packages.props"));

        var copiedProjects = copiedBefore.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).Where(p => p.EndsWith(".csproj", StringComparison.Ordinal)).ToHashSet();
        foreach (var needed in ProjectClosure(project))
        {
            copiedProjects.ShouldContain(needed, $"{name}: {needed} is referenced by the build but not copied before restore");
            lines.Skip(restore).ShouldContain(l => l.StartsWith($"COPY {Path.GetDirectoryName(needed)}/ ", StringComparison.Ordinal), $"{name}: the sources of {needed}");
        }
        foreach (var copied in copiedProjects) File.Exists(Repo.PathOf(copied)).ShouldBeTrue($"{name}: COPY {copied}");
        lines.ShouldContain(l => l.StartsWith($"RUN dotnet publish {project} -c Release --no-restore", StringComparison.Ordinal));
    }

    [Fact]
    public void The_health_check_script_asks_for_status_200_without_curl()
    {
        var script = Repo.Read("deploy/docker/healthcheck.sh");
        script.ShouldStartWith("#!/usr/bin/env bash");
        script.ShouldContain("/dev/tcp/127.0.0.1/");
        script.ShouldContain("\" 200 \"");
        script.Split('\n').Where(l => !l.TrimStart().StartsWith('#'))
            .ShouldAllBe(l => !l.Contains("curl") && !l.Contains("wget"), "the aspnet runtime image has neither");
    }

    [Fact]
    public void The_build_context_excludes_build_output_and_local_state()
    {
        var ignored = Repo.Read(".dockerignore").Split('\n').Select(l => l.Trim()).ToList();
        foreach (var entry in new[] { "**/bin/", "**/obj/", ".git/", ".run/", "**/.env" })
            ignored.ShouldContain(entry);
        // What the Dockerfiles copy must stay in the context.
        foreach (var needed in new[] { "services/", "gateway/", "deploy/docker/", "Directory.Build.props" })
            ignored.ShouldNotContain(needed);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Nothing_the_dockerfile_copies_is_excluded_from_the_build_context(string name, string project)
    {
        _ = project;
        var patterns = Repo.Read(".dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var sources = Instructions(name).Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]).ToList();
        sources.ShouldNotBeEmpty();
        foreach (var source in sources)
        {
            Path.Exists(Repo.PathOf(source)).ShouldBeTrue($"{name}: COPY {source}");
            var excludedBy = patterns.FirstOrDefault(p => Ignores(p, source.TrimEnd('/')));
            excludedBy.ShouldBeNull($"{name}: COPY {source} is excluded from the build context by .dockerignore '{excludedBy}'");
        }
    }

    /// <summary>Whether a .dockerignore pattern excludes a path or a folder above it (the subset of the syntax used: *, **, trailing /).</summary>
    private static bool Ignores(string pattern, string path)
    {
        var regex = "^" + Regex.Escape(pattern.TrimEnd('/'))
            .Replace(@"\*\*/", "(.*/)?", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal) + "(/.*)?$";
        return Regex.IsMatch(path, regex);
    }

    /// <summary>The project and every project it references, transitively, as repository-relative paths.</summary>
    private static List<string> ProjectClosure(string project)
    {
        var seen = new List<string>();
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (seen.Contains(current)) continue;
            seen.Add(current);
            var folder = Path.GetDirectoryName(current)!;
            foreach (var reference in XDocument.Load(Repo.PathOf(current)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(Repo.PathOf(folder), reference.Attribute("Include")!.Value));
                pending.Push(Path.GetRelativePath(Repo.Root, full).Replace('\\', '/'));
            }
        }
        return seen;
    }
}
