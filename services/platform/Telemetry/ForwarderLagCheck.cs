using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Ppid.Platform.Telemetry;

/// <summary>
/// Not ready while the oldest event the broker has not confirmed is older than <paramref name="threshold"/>
/// (<c>Platform:ForwarderLagThreshold</c>, default 60 s): other services are not hearing this one
/// (broker unreachable, forwarder stopped or stuck behind a long transaction).
/// </summary>
public sealed class ForwarderLagCheck(OperationalGauges gauges, TimeSpan threshold) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var lag = await gauges.ForwarderLagAsync(cancellationToken);
            var description = $"{lag.Events} event(s) not forwarded, oldest {lag.Seconds:0.#} s (threshold {threshold.TotalSeconds:0.#} s)";
            return lag.Seconds > threshold.TotalSeconds ? HealthCheckResult.Unhealthy(description) : HealthCheckResult.Healthy(description);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Forwarder lag unknown, PostgreSQL unreachable: " + e.Message);
        }
    }
}
