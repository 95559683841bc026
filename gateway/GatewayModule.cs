using Microsoft.Extensions.Diagnostics.HealthChecks;
using Ppid.Platform.Hosting;

namespace Ppid.Gateway;

/// <summary>The gateway's wiring. Routing, API keys and limits arrive with the gateway issue; today it knows its services and reports whether they answer.</summary>
public static class GatewayModule
{
    public static readonly string[] ServiceNames = ["registry", "classification", "publication", "archive"];

    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        var services = ServiceNames.ToDictionary(name => name, name =>
            builder.Configuration[$"Gateway:Services:{name}"] is { Length: > 0 } url ? new Uri(url)
            : throw new InvalidOperationException($"Gateway:Services:{name} is not configured (the base URL of the {name} service; deploy/local/suite.sh sets it)."));
        builder.Services.AddHttpClient("health", c => c.Timeout = TimeSpan.FromSeconds(3));
        var checks = builder.Services.AddHealthChecks();
        foreach (var (name, url) in services)
        {
            checks.Add(new HealthCheckRegistration(name,
                sp => new ServiceLiveCheck(sp.GetRequiredService<IHttpClientFactory>(), new Uri(url, "/health/live")),
                HealthStatus.Unhealthy, [ServiceDefaults.ReadyTag]));
        }
        return builder;
    }

    private sealed class ServiceLiveCheck(IHttpClientFactory http, Uri live) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                using var response = await http.CreateClient("health").GetAsync(live, cancellationToken);
                return response.IsSuccessStatusCode ? HealthCheckResult.Healthy($"{live} answers")
                    : HealthCheckResult.Unhealthy($"{live} answered {(int)response.StatusCode}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return HealthCheckResult.Unhealthy($"{live} unreachable: {e.Message}");
            }
        }
    }
}
