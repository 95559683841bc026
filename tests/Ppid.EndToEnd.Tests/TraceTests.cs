using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text;
using Ppid.Demo;
using Ppid.Testing;

namespace Ppid.EndToEnd.Tests;

/// <summary>The suite with every process exporting its telemetry by OTLP/HTTP to an <see cref="OtlpReceiver"/> in the test.</summary>
public sealed class TracingSuite : Suite
{
    public OtlpReceiver Receiver { get; } = new();

    protected override Dictionary<string, string> ServiceEnvironment(string name)
    {
        var environment = base.ServiceEnvironment(name);
        // The standard variables only: the suite reads nothing else to export.
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = Receiver.Endpoint.ToString().TrimEnd('/');
        environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        environment["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
        return environment;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

/// <summary>Issue 8: one request through the gateway is one trace across the services it reaches, however late they hear of it.</summary>
public sealed class TraceTests(TracingSuite suite, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<TracingSuite>
{
    private const string Tenant = "kota-contoh";
    private static readonly Actor Secretariat = new("siti.sekretariat", "sekretariat");
    private static readonly Actor Unit = new("budi.dinkes", "unit-kerja");

    [Fact]
    public async Task Registering_an_item_is_one_trace_from_the_gateway_through_the_registry_and_its_forwarder_to_the_consumers()
    {
        using var http = suite.Client();
        var key = await suite.CreateKeyAsync(Tenant, "registry:write", "e2e-trace");
        var sop = new Sop(new PpidApi(http, key), null!, null!, null!, null!);
        await sop.PutUnitAsync(Secretariat, "DINKES", "Dinas Kesehatan");
        await sop.PutRecordClassAsync(Secretariat, "900.1", "Keuangan");

        // The caller's own trace context, so the test knows the trace id to look for.
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var callerSpan = ActivitySpanId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/registry/items", UriKind.Relative))
        {
            Content = new StringContent(Sop.Item("Laporan Keuangan Dinas Kesehatan 2026", "Neraca dan realisasi anggaran.", "DINKES", "report", "900.1").ToJsonString(),
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Api-Key", key);
        request.Headers.Add("X-Actor-Id", Unit.Id);
        request.Headers.Add("X-Actor-Role", Unit.Role);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{callerSpan}-01");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        var itemId = JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();

        // The consumers hear of the item later; their spans are exported within a schedule delay of that.
        var consumers = new[] { "ppid-classification", "ppid-archive" };
        var spans = await PpidApi.EventuallyAsync("the consumers' spans of the trace",
            () => Task.FromResult(suite.Receiver.Spans.Where(s => s.TraceId == traceId).ToList()),
            found => consumers.All(service => found.Any(s => s.Service == service && s.Scope == "Ppid.Consumer")
                                              && found.Any(s => s.Service == service && s.Scope == "Npgsql")),
            TimeSpan.FromSeconds(60));
        string Summary() => string.Join("\n", spans.Select(s => $"{s.Service} [{s.Scope}] {s.Name} {s.SpanId} <- {s.ParentSpanId}"));
        output.WriteLine(Summary());

        spans.Select(s => s.Service).Distinct().Count().ShouldBeGreaterThanOrEqualTo(4, Summary());

        var gateway = spans.Single(s => s.Service == "ppid-gateway" && s.Scope == "Microsoft.AspNetCore");
        gateway.ParentSpanId.ShouldBe(callerSpan, "the gateway continues the caller's trace");
        var gatewayCall = spans.Single(s => s.Service == "ppid-gateway" && s.Scope == "System.Net.Http" && s.ParentSpanId == gateway.SpanId);
        var registry = spans.Single(s => s.Service == "ppid-registry" && s.Scope == "Microsoft.AspNetCore");
        registry.ParentSpanId.ShouldBe(gatewayCall.SpanId, "the registry continues the gateway's call\n" + Summary());

        var append = spans.Single(s => s.Service == "ppid-registry" && s.Scope == "Ppid.EventStore" && s.Name == "append registry.item");
        append.Attributes["ppid.tenant"].ShouldBe(Tenant);
        append.Attributes["ppid.stream"].ShouldBe($"item-{itemId}");
        append.Attributes["ppid.event_type"].ShouldBe("registry.item-registered.v1");
        long.Parse(append.Attributes["ppid.position"], System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
        spans.ShouldContain(s => s.Service == "ppid-registry" && s.Scope == "Npgsql" && s.ParentSpanId == append.SpanId, "the append's PostgreSQL call\n" + Summary());

        // Published later by the forwarder, yet in the request's trace (the context stored with the event).
        var forward = spans.Single(s => s.Service == "ppid-registry" && s.Scope == "Ppid.Forwarder");
        forward.Name.ShouldBe("forward registry.item-registered.v1");
        forward.Attributes["ppid.stream"].ShouldBe($"item-{itemId}");

        foreach (var consumer in consumers)
        {
            var consume = spans.First(s => s.Service == consumer && s.Scope == "Ppid.Consumer");
            consume.Name.ShouldBe("consume registry.item-registered.v1");
            Ancestors(spans, consume).ShouldContain(forward.SpanId, $"{consumer} consumes what the forward published\n{Summary()}");
            consume.Attributes["ppid.tenant"].ShouldBe(Tenant);
            consume.Attributes["ppid.position"].ShouldBe(append.Attributes["ppid.position"]);
            spans.ShouldContain(s => s.Service == consumer && s.Scope == "Npgsql" && Ancestors(spans, s).Contains(consume.SpanId), $"{consumer}'s database writes\n{Summary()}");
        }
    }

    [Fact]
    public async Task Every_service_exports_its_metrics_by_OTLP_with_the_HTTP_server_metrics_and_the_suites_own()
    {
        using var http = suite.Client();
        using (var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative))) ready.StatusCode.ShouldBe(HttpStatusCode.OK);

        var expected = Suite.Backends.SelectMany(b => new[]
            {
                ("ppid-" + b, "http.server.request.duration"), // ASP.NET Core hosting (the gateway asked each for readiness)
                ("ppid-" + b, "ppid.forwarder.lag.events"),
                ("ppid-" + b, "ppid.forwarder.lag.seconds"),
                ("ppid-" + b, "ppid.database.oldest_transaction.age"),
            })
            .Append(("ppid-gateway", "http.server.request.duration"))
            .Append(("ppid-classification", "ppid.consumer.error_queue.depth")) // it subscribes to the registry's events
            .ToList();
        var missing = await PpidApi.EventuallyAsync("every expected metric exported",
            () => Task.FromResult(expected.Where(m => !suite.Receiver.Metrics.ContainsKey(m)).ToList()),
            left => left.Count == 0, TimeSpan.FromSeconds(60));
        missing.ShouldBeEmpty();
    }

    /// <summary>The span ids above <paramref name="span"/> (the receive pipeline of the broker client may sit in between).</summary>
    private static List<string> Ancestors(List<ReceivedSpan> spans, ReceivedSpan span)
    {
        var byId = spans.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        var ancestors = new List<string>();
        for (var parent = span.ParentSpanId; parent.Length > 0 && ancestors.Count < 50; parent = byId.TryGetValue(parent, out var p) ? p.ParentSpanId : "")
            ancestors.Add(parent);
        return ancestors;
    }
}
