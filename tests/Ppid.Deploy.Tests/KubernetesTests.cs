using System.Text.RegularExpressions;

namespace Ppid.Deploy.Tests;

public sealed partial class KubernetesTests
{
    public static readonly string[] Workloads = ["registry", "classification", "publication", "archive", "gateway"];
    public static readonly string[] Backends = ["registry", "classification", "publication", "archive"];

    public static TheoryData<string> Kustomizations => new(Kustomize.Base, Kustomize.Production);

    [KustomizeTheory]
    [MemberData(nameof(Kustomizations))]
    public void The_kustomization_renders_with_kubectl(string kustomization)
    {
        var result = Kustomize.Run(kustomization);
        result.ExitCode.ShouldBe(0, result.Error);
        Node.LoadAll(result.Output, kustomization).ShouldNotBeEmpty();
    }

    [KustomizeTheory]
    [MemberData(nameof(Kustomizations))]
    public void Every_service_and_the_gateway_is_a_deployment_with_a_service_a_pdb_and_an_hpa(string kustomization)
    {
        var manifests = Kustomize.Render(kustomization);
        manifests.Deployments.Select(d => d["metadata"]["name"].Text).Order().ShouldBe(Workloads.Order());
        foreach (var deployment in manifests.Deployments)
        {
            var name = deployment["metadata"]["name"].Text!;
            var pods = Manifests.PodLabels(deployment);
            Manifests.Selects(deployment["spec"]["selector"], pods).ShouldBeTrue($"{name}: the selector must select its own pods");

            var services = manifests.OfKind("Service").Where(s => Manifests.Selects(s["spec"]["selector"], pods)).ToList();
            services.Count.ShouldBe(1, $"{name}: exactly one Service selects its pods");
            services[0]["metadata"]["name"].Text.ShouldBe(name);
            services[0]["spec"]["ports"].Items.ShouldContain(p => p["port"].Text == "8080", $"{name}: the Service exposes 8080");

            manifests.OfKind("PodDisruptionBudget").Where(p => Manifests.Selects(p["spec"]["selector"], pods)).ShouldHaveSingleItem($"{name}: one PodDisruptionBudget selects its pods");

            var hpa = manifests.OfKind("HorizontalPodAutoscaler").Where(h => h["spec"]["scaleTargetRef"]["kind"].Text == "Deployment" && h["spec"]["scaleTargetRef"]["name"].Text == name).ShouldHaveSingleItem($"{name}: one HorizontalPodAutoscaler");
            int.Parse(hpa["spec"]["minReplicas"].Text ?? "1").ShouldBeGreaterThanOrEqualTo(2, $"{name}: the autoscaler never goes below two pods");
            int.Parse(hpa["spec"]["maxReplicas"].Text!).ShouldBeGreaterThan(int.Parse(hpa["spec"]["minReplicas"].Text!));
        }
    }

    [KustomizeTheory]
    [MemberData(nameof(Kustomizations))]
    public void Every_container_has_http_probes_on_the_health_endpoints_and_requests_and_limits(string kustomization)
    {
        foreach (var deployment in Kustomize.Render(kustomization).Deployments)
        {
            var containers = deployment["spec"]["template"]["spec"]["containers"].Items;
            containers.ShouldNotBeEmpty();
            foreach (var c in containers)
            {
                // Services take traffic while their database answers (/health/serving); the gateway while its own does (/health/ready).
                c["readinessProbe"]["httpGet"]["path"].Text.ShouldBe(deployment["metadata"]["name"].Text!.Contains("gateway", StringComparison.Ordinal) ? "/health/ready" : "/health/serving",
                    $"{c.Path}: readiness probe");
                c["livenessProbe"]["httpGet"]["path"].Text.ShouldBe("/health/live", $"{c.Path}: liveness probe");
                var ports = c["ports"].Items.ToDictionary(p => p["name"].Text ?? "", p => p["containerPort"].Text);
                foreach (var probe in new[] { c["readinessProbe"], c["livenessProbe"] })
                {
                    var port = probe["httpGet"]["port"].Text;
                    (port == "8080" || ports.GetValueOrDefault(port ?? "") == "8080").ShouldBeTrue($"{probe.Path}: probes the service port 8080, not {port}");
                }
                foreach (var kind in new[] { "requests", "limits" })
                    foreach (var resource in new[] { "cpu", "memory" })
                        c["resources"][kind][resource].Text.ShouldNotBeNullOrWhiteSpace($"{c.Path}: resources.{kind}.{resource}");
            }
        }
    }

    [KustomizeTheory]
    [MemberData(nameof(Kustomizations))]
    public void Every_image_is_the_suites_own_with_a_pinned_version_tag(string kustomization)
    {
        foreach (var deployment in Kustomize.Render(kustomization).Deployments)
        {
            var name = deployment["metadata"]["name"].Text;
            foreach (var c in deployment["spec"]["template"]["spec"]["containers"].Items.Concat(deployment["spec"]["template"]["spec"]["initContainers"].Items))
            {
                var image = c["image"].Text ?? "";
                var match = ImageReference().Match(image);
                match.Success.ShouldBeTrue($"{c.Path}: image '{image}' is not an image reference");
                (match.Groups["tag"].Success || match.Groups["digest"].Success).ShouldBeTrue($"{c.Path}: image '{image}' must name a tag or a digest");
                match.Groups["repository"].Value.ShouldBe($"ghcr.io/ppid-suite/{name}", $"{c.Path}: image '{image}'");
                if (match.Groups["tag"].Success)
                    match.Groups["tag"].Value.ShouldMatch(@"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$", $"{c.Path}: '{image}' must be pinned to a release version, not latest or a moving tag");
            }
        }
    }

    [KustomizeTheory]
    [MemberData(nameof(Kustomizations))]
    public void Pods_run_as_non_root_on_a_read_only_root_filesystem_without_privilege_escalation(string kustomization)
    {
        foreach (var deployment in Kustomize.Render(kustomization).Deployments)
        {
            var pod = deployment["spec"]["template"]["spec"];
            pod["securityContext"]["runAsNonRoot"].Text.ShouldBe("true", $"{pod.Path}.securityContext.runAsNonRoot");
            pod["automountServiceAccountToken"].Text.ShouldBe("false", $"{pod.Path}: the services do not talk to the Kubernetes API");
            foreach (var c in pod["containers"].Items)
            {
                c["securityContext"]["readOnlyRootFilesystem"].Text.ShouldBe("true", $"{c.Path}.securityContext.readOnlyRootFilesystem");
                c["securityContext"]["allowPrivilegeEscalation"].Text.ShouldBe("false", $"{c.Path}.securityContext.allowPrivilegeEscalation");
                c["securityContext"]["capabilities"]["drop"].Items.Select(i => i.Text).ShouldContain("ALL", $"{c.Path}: drops every capability");
            }
        }
    }

    [KustomizeFact]
    public void Production_runs_at_least_three_replicas_of_everything_and_never_scales_below_that()
    {
        var production = Kustomize.Render(Kustomize.Production);
        foreach (var deployment in production.Deployments)
            int.Parse(deployment["spec"]["replicas"].Text ?? "1").ShouldBeGreaterThanOrEqualTo(3, $"{Manifests.NameOf(deployment)}.spec.replicas");
        foreach (var hpa in production.OfKind("HorizontalPodAutoscaler"))
            int.Parse(hpa["spec"]["minReplicas"].Text ?? "1").ShouldBeGreaterThanOrEqualTo(3, $"{Manifests.NameOf(hpa)}.spec.minReplicas");
        foreach (var deployment in Kustomize.Render(Kustomize.Base).Deployments)
            int.Parse(deployment["spec"]["replicas"].Text ?? "1").ShouldBeGreaterThanOrEqualTo(2, $"base {Manifests.NameOf(deployment)}.spec.replicas");
    }

    [KustomizeTheory]
    [MemberData(nameof(Kustomizations))]
    public void Every_config_map_and_secret_a_pod_reads_is_rendered_or_comes_from_the_secret_store(string kustomization)
    {
        var manifests = Kustomize.Render(kustomization);
        var configMaps = manifests.OfKind("ConfigMap").Select(c => c["metadata"]["name"].Text).ToHashSet();
        var secrets = manifests.OfKind("Secret").Select(s => s["metadata"]["name"].Text)
            .Concat(manifests.OfKind("ExternalSecret").Select(e => e["spec"]["target"]["name"].Text ?? e["metadata"]["name"].Text))
            .ToHashSet();
        foreach (var deployment in manifests.Deployments)
        {
            var container = deployment["spec"]["template"]["spec"]["containers"].Items[0];
            var sources = container["envFrom"].Items;
            sources.ShouldContain(s => s["secretRef"].Exists, $"{Manifests.NameOf(deployment)} reads its connection strings from a Secret");
            foreach (var source in sources)
            {
                if (source["configMapRef"].Exists) configMaps.ShouldContain(source["configMapRef"]["name"].Text, $"{source.Path}");
                if (source["secretRef"].Exists) secrets.ShouldContain(source["secretRef"]["name"].Text, $"{source.Path}");
            }
        }
    }

    [KustomizeFact]
    public void Production_contains_no_development_secret_and_reads_every_secret_from_the_secret_store()
    {
        var production = Kustomize.Render(Kustomize.Production);
        production.OfKind("Secret").ShouldBeEmpty("production secrets come from the secret store (ExternalSecret), never from the repository");
        Kustomize.Run(Kustomize.Production).Output.ShouldNotContain("ppid-dev-", Case.Insensitive, "no development default reaches production");
        var external = production.OfKind("ExternalSecret");
        foreach (var workload in Workloads)
        {
            var secret = external.Where(e => e["spec"]["target"]["name"].Text == $"ppid-{workload}-secrets").ShouldHaveSingleItem($"ExternalSecret for ppid-{workload}-secrets");
            var keys = secret["spec"]["data"].Items.Select(d => d["secretKey"].Text).ToList();
            keys.ShouldContain("ConnectionStrings__Postgres");
            keys.ShouldContain("ConnectionStrings__RabbitMq");
            keys.ShouldContain(workload == "gateway" ? "Gateway__Secret" : "Platform__GatewaySecret");
        }
    }

    [KustomizeFact]
    public void The_base_secrets_hold_only_development_defaults_named_as_such()
    {
        var secrets = Kustomize.Render(Kustomize.Base).OfKind("Secret");
        secrets.Select(s => s["metadata"]["name"].Text).Order().ShouldBe(Workloads.Select(w => $"ppid-{w}-secrets").Order());
        foreach (var secret in secrets)
            foreach (var (key, value) in secret["data"].Entries)
                System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(value.Text!)).ShouldContain("-dev-", Case.Sensitive, $"{Manifests.NameOf(secret)} {key}");
    }

    [KustomizeTheory]
    [MemberData(nameof(Kustomizations))]
    public void The_gateway_knows_every_service_by_its_kubernetes_service_name(string kustomization)
    {
        var manifests = Kustomize.Render(kustomization);
        var gateway = manifests.Deployments.Single(d => d["metadata"]["name"].Text == "gateway");
        var configMapNames = gateway["spec"]["template"]["spec"]["containers"].Items[0]["envFrom"].Items
            .Select(s => s["configMapRef"]["name"].Text).Where(n => n is not null).ToHashSet();
        var settings = manifests.OfKind("ConfigMap").Where(c => configMapNames.Contains(c["metadata"]["name"].Text))
            .SelectMany(c => c["data"].Entries).ToDictionary(e => e.Key, e => e.Value.Text, StringComparer.Ordinal);
        var services = manifests.OfKind("Service").Select(s => s["metadata"]["name"].Text).ToHashSet();
        foreach (var backend in Backends)
        {
            settings.ShouldContainKey($"Gateway__Services__{backend}__0");
            var url = new Uri(settings[$"Gateway__Services__{backend}__0"]!);
            services.ShouldContain(url.Host, $"Gateway__Services__{backend}__0 = {url} names a rendered Service");
            url.Port.ShouldBe(8080);
        }
    }

    [KustomizeTheory]
    [MemberData(nameof(Kustomizations))]
    public void Network_policies_deny_all_ingress_except_the_gateway_to_the_services_and_the_ingress_controller_to_the_gateway(string kustomization)
    {
        var manifests = Kustomize.Render(kustomization);
        var policies = manifests.OfKind("NetworkPolicy");
        policies.ShouldContain(p => !p["spec"]["podSelector"].Entries.Any()
                                    && p["spec"]["policyTypes"].Items.Any(t => t.Text == "Ingress")
                                    && !p["spec"]["ingress"].Items.Any(),
            "a default-deny policy isolates every pod of the namespace");

        var gatewayPods = Manifests.PodLabels(manifests.Deployments.Single(d => d["metadata"]["name"].Text == "gateway"));
        foreach (var deployment in manifests.Deployments)
        {
            var name = deployment["metadata"]["name"].Text!;
            var pods = Manifests.PodLabels(deployment);
            var peers = policies
                .Where(p => Manifests.Selects(p["spec"]["podSelector"], pods) && p["spec"]["policyTypes"].Items.Any(t => t.Text == "Ingress"))
                .SelectMany(p => p["spec"]["ingress"].Items)
                .SelectMany(rule => rule["from"].Items.Any() ? rule["from"].Items : [rule["from"]]) // no from: anyone
                .ToList();
            peers.ShouldNotBeEmpty($"{name}: some traffic must be allowed in");
            if (name == "gateway")
            {
                peers.ShouldContain(p => p["namespaceSelector"].Exists, "the ingress controller's namespace reaches the gateway");
                continue;
            }
            foreach (var peer in peers)
            {
                peer.Exists.ShouldBeTrue($"{name}: an ingress rule without 'from' admits anyone");
                peer["namespaceSelector"].Exists.ShouldBeFalse($"{peer.Path}: {name} admits another namespace");
                peer["ipBlock"].Exists.ShouldBeFalse($"{peer.Path}: {name} admits an IP block");
                Manifests.Selects(peer["podSelector"], gatewayPods).ShouldBeTrue($"{peer.Path}: {name} admits pods other than the gateway");
                foreach (var other in manifests.Deployments.Where(d => d["metadata"]["name"].Text != "gateway"))
                    Manifests.Selects(peer["podSelector"], Manifests.PodLabels(other)).ShouldBeFalse($"{peer.Path}: {name} admits {Manifests.NameOf(other)}");
            }
        }
    }

    [KustomizeTheory]
    [MemberData(nameof(Kustomizations))]
    public void The_ingress_routes_to_the_gateway_service_only(string kustomization)
    {
        var ingress = Kustomize.Render(kustomization).OfKind("Ingress").ShouldHaveSingleItem();
        var backends = ingress["spec"]["rules"].Items.SelectMany(r => r["http"]["paths"].Items).Select(p => p["backend"]["service"]["name"].Text).ToList();
        backends.ShouldNotBeEmpty();
        backends.ShouldAllBe(b => b == "gateway");
        if (kustomization == Kustomize.Production)
            ingress["spec"]["tls"].Items.ShouldNotBeEmpty("production serves the gateway over TLS");
    }

    [KustomizeTheory]
    [MemberData(nameof(Kustomizations))]
    public void PostgreSQL_and_RabbitMQ_are_not_deployed_by_the_kustomization(string kustomization)
    {
        var manifests = Kustomize.Render(kustomization);
        manifests.OfKind("StatefulSet").ShouldBeEmpty();
        manifests.All.Select(Manifests.NameOf).ShouldAllBe(n => !n.Contains("postgres", StringComparison.OrdinalIgnoreCase) && !n.Contains("rabbit", StringComparison.OrdinalIgnoreCase));
        manifests.All.ShouldAllBe(o => o["kind"].Text == "Namespace" || o["metadata"]["namespace"].Text == "ppid", "every object lands in the ppid namespace");
    }

    [GeneratedRegex(@"^(?<repository>[^@]+?)(:(?<tag>[^:/@]+))?(?<digest>@sha256:[0-9a-f]{64})?$")]
    private static partial Regex ImageReference();
}
