using System.Text.RegularExpressions;

namespace Ppid.Deploy.Tests;

public sealed partial class ComposeTests
{
    private const string ComposeFile = "deploy/compose/docker-compose.yml";
    private static readonly string[] Backends = KubernetesTests.Backends;
    private static readonly string[] Databases = ["ppid_registry", "ppid_classification", "ppid_publication", "ppid_archive", "ppid_gateway"];

    private static readonly Lazy<Node> Compose = new(() => Node.Load(Repo.Read(ComposeFile), ComposeFile));
    private static IReadOnlyList<KeyValuePair<string, Node>> Services => Compose.Value["services"].Entries;
    private static Node Service(string name) => Compose.Value["services"][name];

    private static Dictionary<string, string> Environment(Node service) =>
        service["environment"].Entries.ToDictionary(e => e.Key, e => e.Value.Text ?? "", StringComparer.Ordinal);

    [Fact]
    public void Every_compose_service_has_a_health_check()
    {
        Services.ShouldNotBeEmpty();
        foreach (var (name, service) in Services)
        {
            var test = service["healthcheck"]["test"].Items.Select(i => i.Text).ToList();
            test.Count.ShouldBeGreaterThanOrEqualTo(2, $"{name}: healthcheck.test must be a command (CMD or CMD-SHELL and its arguments)");
            test[0].ShouldBeOneOf("CMD", "CMD-SHELL");
            service["healthcheck"]["disable"].Text.ShouldNotBe("true", name);
        }
    }

    [Fact]
    public void Every_dependency_waits_for_a_healthy_service()
    {
        var names = Services.Select(s => s.Key).ToHashSet();
        foreach (var (name, service) in Services)
        {
            service["depends_on"].Items.ShouldBeEmpty($"{name}: depends_on as a list starts without waiting for health; use the long form");
            foreach (var (dependency, condition) in service["depends_on"].Entries)
            {
                names.ShouldContain(dependency, $"{name} depends on an unknown service");
                condition["condition"].Text.ShouldBe("service_healthy", $"{name} -> {dependency}");
            }
        }
        // The suite waits for its infrastructure; the gateway for every instance it routes to.
        foreach (var backend in Backends)
            foreach (var instance in new[] { $"{backend}-1", $"{backend}-2" })
            {
                var dependencies = Service(instance)["depends_on"].Entries.Select(e => e.Key).ToList();
                dependencies.ShouldContain("postgres");
                dependencies.ShouldContain("rabbitmq-1");
                dependencies.ShouldContain("rabbitmq-2");
                dependencies.ShouldContain("rabbitmq-3");
                Service("gateway")["depends_on"].Entries.Select(e => e.Key).ShouldContain(instance);
            }
    }

    [Fact]
    public void Each_service_runs_twice_and_the_gateway_lists_both_instances()
    {
        var gateway = Environment(Service("gateway"));
        foreach (var backend in Backends)
        {
            for (var i = 1; i <= 2; i++)
            {
                var instance = Service($"{backend}-{i}");
                instance.Exists.ShouldBeTrue($"{backend}-{i}");
                instance["build"]["dockerfile"].Text.ShouldBe($"deploy/docker/{backend}.Dockerfile");
                var env = Environment(instance);
                env["ConnectionStrings__Postgres"].ShouldContain($"Database=ppid_{backend};");
                env["ConnectionStrings__RabbitMq"].ShouldStartWith("amqp://");
                env.ShouldContainKey("Platform__GatewaySecret");
                env["OTEL_EXPORTER_OTLP_ENDPOINT"].ShouldBe("http://otel-collector:4317");
                gateway[$"Gateway__Services__{backend}__{i - 1}"].ShouldBe($"http://{backend}-{i}:8080");
            }
            gateway.Keys.Where(k => k.StartsWith($"Gateway__Services__{backend}", StringComparison.Ordinal)).Count().ShouldBe(2, backend);
        }
        gateway["Gateway__Secret"].ShouldBe(Environment(Service("registry-1"))["Platform__GatewaySecret"], "the gateway sends the secret the services expect");
        gateway["ConnectionStrings__Postgres"].ShouldContain("Database=ppid_gateway;");
    }

    [Fact]
    public void RabbitMQ_is_a_three_node_cluster_by_classic_config_sharing_one_cookie_with_quorum_queues()
    {
        var conf = Repo.Read("deploy/compose/rabbitmq/rabbitmq.conf");
        conf.ShouldContain("cluster_formation.peer_discovery_backend = classic_config");
        conf.ShouldContain("default_queue_type = quorum");
        var cookies = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 1; i <= 3; i++)
        {
            var node = Service($"rabbitmq-{i}");
            node["hostname"].Text.ShouldBe($"rabbitmq-{i}");
            conf.ShouldContain($"= rabbit@rabbitmq-{i}");
            node["volumes"].Items.Select(v => v.Text).ShouldContain(v => v!.StartsWith("./rabbitmq/rabbitmq.conf:", StringComparison.Ordinal));
            cookies.Add(Environment(node)["RABBITMQ_ERLANG_COOKIE"]);
        }
        cookies.ShouldHaveSingleItem().ShouldMatch(@"^\$\{PPID_DEV_[A-Z_]+:-[^}]*dev[^}]*\}$", "one cookie from an env var, its default named as a development default");
    }

    [Fact]
    public void The_init_script_creates_the_five_databases_the_services_use()
    {
        var sql = Repo.Read("deploy/compose/postgres/init-databases.sql");
        var created = CreateDatabase().Matches(sql).Select(m => m.Groups[1].Value).Order().ToList();
        created.ShouldBe(Databases.Order());
        var used = Services.SelectMany(s => Environment(s.Value))
            .Where(e => e.Key == "ConnectionStrings__Postgres")
            .Select(e => DatabaseName().Match(e.Value).Groups[1].Value)
            .ToHashSet();
        used.Order().ShouldBe(Databases.Order());
        Service("postgres")["volumes"].Items.Select(v => v.Text).ShouldContain("./postgres/init-databases.sql:/docker-entrypoint-initdb.d/10-init-databases.sql:ro");
    }

    [Fact]
    public void Telemetry_goes_from_the_services_through_the_collector_to_jaeger()
    {
        var config = Node.Load(Repo.Read("deploy/compose/otel-collector/config.yaml"), "otel-collector/config.yaml");
        config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"].Text.ShouldEndWith(":4317");
        var traces = config["service"]["pipelines"]["traces"];
        traces["receivers"].Items.Select(i => i.Text).ShouldContain("otlp");
        var exporter = traces["exporters"].Items.Select(i => i.Text!).ShouldHaveSingleItem();
        new Uri($"http://{config["exporters"][exporter]["endpoint"].Text}").Host.ShouldBe("jaeger");
        Service("jaeger").Exists.ShouldBeTrue();
        Service("otel-collector")["volumes"].Items.Select(v => v.Text).ShouldContain(v => v!.StartsWith("./otel-collector/config.yaml:", StringComparison.Ordinal));
        foreach (var extension in config["service"]["extensions"].Items)
            config["extensions"][extension.Text!].Exists.ShouldBeTrue(extension.Path);
    }

    [Fact]
    public void Every_credential_is_a_development_default_named_as_such()
    {
        var text = Repo.Read(ComposeFile);
        var defaults = Interpolation().Matches(text).Select(m => (Variable: m.Groups[1].Value, Default: m.Groups[2].Value)).ToList();
        defaults.ShouldNotBeEmpty();
        foreach (var (variable, value) in defaults)
        {
            variable.ShouldStartWith("PPID_DEV_", Case.Sensitive, $"${{{variable}}}: development overrides are named PPID_DEV_*");
            value.ShouldContain("dev", Case.Sensitive, $"${{{variable}}}: its default '{value}' must say it is a development default");
        }
        // No literal password anywhere: every secret-looking value comes from such a variable.
        foreach (var (name, service) in Services)
            foreach (var (key, value) in Environment(service).Where(e => e.Key.Contains("PASS", StringComparison.OrdinalIgnoreCase) || e.Key.Contains("Secret", StringComparison.Ordinal) || e.Key.Contains("COOKIE", StringComparison.Ordinal)))
                value.ShouldStartWith("${PPID_DEV_", Case.Sensitive, $"{name}.{key}");
    }

    [Fact]
    public void Every_image_is_pinned_or_built_here_and_every_mounted_file_exists()
    {
        foreach (var (name, service) in Services)
        {
            var image = service["image"].Text;
            if (service["build"].Exists)
            {
                var dockerfile = Path.Combine(Repo.PathOf("deploy/compose"), service["build"]["context"].Text!, service["build"]["dockerfile"].Text!);
                File.Exists(dockerfile).ShouldBeTrue($"{name}: {dockerfile}");
                image.ShouldNotBeNull(name);
                image.ShouldStartWith("ppid-suite/", Case.Sensitive, $"{name}: images built here are named ppid-suite/*");
                // A third-party image extended here (with-probe.Dockerfile) is still pinned.
                if (service["build"]["args"]["IMAGE"].Text is { } baseImage)
                    baseImage.ShouldMatch(@":\d[\w.-]*$", $"{name}: base image '{baseImage}' must be pinned to a version");
            }
            else
            {
                image.ShouldNotBeNull(name);
                image.ShouldContain(':', $"{name}: image '{image}' needs a tag");
                image.ShouldNotEndWith(":latest", name, Case.Insensitive);
            }
            foreach (var volume in service["volumes"].Items.Select(v => v.Text!).Where(v => v.StartsWith("./", StringComparison.Ordinal)))
                File.Exists(Path.Combine(Repo.PathOf("deploy/compose"), volume.Split(':')[0])).ShouldBeTrue($"{name}: {volume}");
        }
    }

    [GeneratedRegex(@"^\s*create database (\w+)\s*;", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex CreateDatabase();

    [GeneratedRegex(@"Database=(\w+);")]
    private static partial Regex DatabaseName();

    [GeneratedRegex(@"\$\{(\w+):?-([^}]*)\}")]
    private static partial Regex Interpolation();
}
