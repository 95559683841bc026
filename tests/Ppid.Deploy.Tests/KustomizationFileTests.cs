namespace Ppid.Deploy.Tests;

/// <summary>Checks on the kustomization sources that need no renderer, so they run everywhere.</summary>
public sealed class KustomizationFileTests
{
    [Theory]
    [InlineData(Kustomize.Base)]
    [InlineData(Kustomize.Production)]
    public void Every_resource_and_patch_a_kustomization_names_exists_and_parses(string kustomization)
    {
        var folder = Repo.PathOf(kustomization);
        var k = Node.Load(File.ReadAllText(Path.Combine(folder, "kustomization.yaml")), $"{kustomization}/kustomization.yaml");
        k["kind"].Text.ShouldBe("Kustomization");
        var files = k["resources"].Items.Select(r => r.Text!).Concat(k["patches"].Items.Where(p => p["path"].Exists).Select(p => p["path"].Text!)).ToList();
        files.ShouldNotBeEmpty();
        foreach (var file in files)
        {
            var path = Path.GetFullPath(Path.Combine(folder, file));
            if (Directory.Exists(path))
            {
                File.Exists(Path.Combine(path, "kustomization.yaml")).ShouldBeTrue($"{kustomization}: {file} is a folder without kustomization.yaml");
                continue;
            }
            File.Exists(path).ShouldBeTrue($"{kustomization}: {file}");
            Node.LoadAll(File.ReadAllText(path), file).ShouldNotBeEmpty(file);
        }
    }

    [Fact]
    public void Every_manifest_file_of_the_base_is_listed_in_its_kustomization()
    {
        var folder = Repo.PathOf(Kustomize.Base);
        var k = Node.Load(File.ReadAllText(Path.Combine(folder, "kustomization.yaml")), "base/kustomization.yaml");
        var listed = k["resources"].Items.Select(r => r.Text!).ToHashSet(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(folder, "*.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Where(f => f != "kustomization.yaml");
        foreach (var file in files) listed.ShouldContain(file, $"{file} is in base/ but not rendered: list it or delete it");
    }

    [Fact]
    public void Every_image_named_by_the_kustomizations_is_pinned_to_a_version()
    {
        foreach (var kustomization in new[] { Kustomize.Base, Kustomize.Production })
        {
            var k = Node.Load(Repo.Read($"{kustomization}/kustomization.yaml"), kustomization);
            var images = k["images"].Items;
            images.Select(i => i["name"].Text).Order().ShouldBe(KubernetesTests.Workloads.Select(w => $"ghcr.io/ppid-suite/{w}").Order(), kustomization);
            foreach (var image in images)
                (image["newTag"].Text ?? image["digest"].Text).ShouldNotBeNull($"{image.Path}: newTag or digest")
                    .ShouldNotBe("latest", $"{image.Path}");
        }
    }
}
