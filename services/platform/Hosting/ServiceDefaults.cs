using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Ppid.Platform.Http;

namespace Ppid.Platform.Hosting;

/// <summary>What every service and the gateway share: problem details, health endpoints, telemetry, logging.</summary>
public static class ServiceDefaults
{
    public const string ReadyTag = "ready";

    /// <summary>Checks an instance needs to answer requests (its database): what <c>/health/serving</c> reports and the gateway routes on.</summary>
    public const string ServingTag = "serving";

    /// <summary>Activity sources of the suite and of the libraries that emit their own (ASP.NET Core, HttpClient, Npgsql, MassTransit).</summary>
    public static readonly string[] ActivitySources =
        ["Microsoft.AspNetCore", "System.Net.Http", "Npgsql", "MassTransit", "Ppid.EventStore", "Ppid.Forwarder", "Ppid.Consumer", "Ppid.Gateway"];

    public static readonly string[] Meters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "Npgsql",
         Telemetry.PlatformMetrics.EventStoreMeter, Telemetry.PlatformMetrics.ForwarderMeter, Telemetry.PlatformMetrics.ConsumerMeter, Telemetry.PlatformMetrics.DatabaseMeter];

    /// <param name="behindGateway">False only for the gateway itself: services accept calls only from it (<see cref="GatewayTrust"/>).</param>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName, bool behindGateway = true)
    {
        if (behindGateway && GatewayTrust.ReadSecret(builder.Configuration, builder.Environment) is { } secret)
            builder.Services.AddSingleton(new GatewaySecret(secret));
        builder.Services.AddOpenApi();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? c.HttpContext.TraceIdentifier;
        });
        builder.Services.AddExceptionHandler<DomainExceptionHandler>();
        builder.Services.AddHealthChecks();
        builder.AddOpenTelemetry(serviceName);
        return builder;
    }

    /// <summary>
    /// OpenTelemetry wired by hand (OpenTelemetry.Extensions.Hosting does not restore here): traces and
    /// metrics of the suite's sources, exported by OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or the
    /// signal's own <c>..._TRACES_ENDPOINT</c>/<c>..._METRICS_ENDPOINT</c>) is set (the standard <c>OTEL_*</c>
    /// variables configure the exporter; see Telemetry/README.md); otherwise spans are still created
    /// for in-process listeners but nothing is sent anywhere.
    /// </summary>
    private static void AddOpenTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        bool Set(string variable) => !string.IsNullOrWhiteSpace(builder.Configuration[variable]);
        if (string.Equals(builder.Configuration["OTEL_SDK_DISABLED"], "true", StringComparison.OrdinalIgnoreCase)) return;
        // A signal is exported when the common endpoint or its own is set.
        var traces = Set("OTEL_EXPORTER_OTLP_ENDPOINT") || Set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        var metrics = Set("OTEL_EXPORTER_OTLP_ENDPOINT") || Set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
        if (!traces && !metrics) return;
        var sdk = OpenTelemetrySdk.Create(otel =>
        {
            otel.ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? $"ppid-{serviceName}"));
            if (traces) otel.WithTracing(t => t.AddSource(ActivitySources).AddOtlpExporter());
            if (metrics) otel.WithMetrics(m => m.AddMeter(Meters).AddOtlpExporter());
        });
        builder.Services.AddSingleton(sdk); // disposed (and flushed) with the host
    }

    /// <summary>
    /// <c>/health/live</c>: the process answers. <c>/health/ready</c>: every dependency check tagged
    /// ready passes (database, broker, consumers, forwarder lag: what an operator must know).
    /// <c>/health/serving</c>: the checks tagged serving pass — the instance can answer requests. The
    /// gateway routes on this one: while the broker is down commands still go into the event store
    /// (the outbox), so a broker outage must not take the whole API out of rotation.
    /// </summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        if (app.Services.GetService<GatewaySecret>() is { } gateway) app.UseGatewayTrust(gateway.Value);
        app.MapOpenApi(); // /openapi/v1.json, merged by the gateway into the suite's one document
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(ReadyTag),
            ResponseWriter = WriteHealthAsync,
        });
        app.MapHealthChecks("/health/serving", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(ServingTag),
            ResponseWriter = WriteHealthAsync,
        });
        return app;
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }

    /// <summary>A required setting: missing configuration stops the service with a message saying what to set.</summary>
    public static string GetRequiredConnectionString(this IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value ? value
        : throw new InvalidOperationException(
            $"Connection string '{name}' is not configured. Set ConnectionStrings__{name} (deploy/local/suite.sh sets the development defaults).");
}

/// <summary>The shared secret the gateway presents (<see cref="GatewayTrust"/>).</summary>
internal sealed record GatewaySecret(byte[] Value);
