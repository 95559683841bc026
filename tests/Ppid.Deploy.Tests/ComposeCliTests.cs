namespace Ppid.Deploy.Tests;

/// <summary>
/// The Compose file as Docker's own tooling reads it: <c>docker compose config</c> (the v2 plugin) or
/// <c>docker-compose config</c> (v1, Debian's docker-compose package). Neither needs a running Docker
/// engine. tests/run.sh installs docker-compose when neither is present, so a missing tool fails the
/// test with what to install instead of skipping it.
/// </summary>
public sealed class ComposeCliTests
{
    [Fact]
    public void Docker_compose_accepts_the_file_and_resolves_every_health_check_and_dependency()
    {
        ComposeCli.Command.Value.ShouldNotBeNull(
            "neither `docker compose` (the Compose v2 plugin) nor `docker-compose` is installed: apt-get install docker-compose (tests/run.sh does)");
        var (tool, prefix) = ComposeCli.Command.Value.Value;
        var file = Repo.PathOf("deploy/compose/docker-compose.yml");
        var quiet = Tools.Run(tool, [.. prefix, "-f", file, "config", "--quiet"]);
        quiet.ExitCode.ShouldBe(0, quiet.Error);

        // The resolved file (anchors merged, variables interpolated with their development defaults).
        var resolved = Tools.Run(tool, [.. prefix, "-f", file, "config"]);
        resolved.ExitCode.ShouldBe(0, resolved.Error);
        var services = Node.Load(resolved.Output, "docker compose config")["services"].Entries;
        services.Count.ShouldBe(15, "postgres, 3 RabbitMQ nodes, jaeger, otel-collector, 4 services x 2, gateway");
        foreach (var (name, service) in services)
        {
            service["healthcheck"]["test"].Items.ShouldNotBeEmpty(name);
            foreach (var (dependency, condition) in service["depends_on"].Entries)
                condition["condition"].Text.ShouldBe("service_healthy", $"{name} -> {dependency}");
        }
        services.Single(s => s.Key == "registry-1").Value["environment"]["ConnectionStrings__Postgres"].Text
            .ShouldBe("Host=postgres;Port=5432;Database=ppid_registry;Username=ppid;Password=ppid-dev-password");
    }
}

public static class ComposeCli
{
    public static readonly Lazy<(string Tool, string[] Prefix)?> Command = new(() =>
        Tools.Works("docker", "compose", "version") ? ("docker", ["compose"])
        : Tools.Works("docker-compose", "version") ? ("docker-compose", [])
        : null);
}
