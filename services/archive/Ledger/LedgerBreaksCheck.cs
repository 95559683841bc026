using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Ppid.Archive.Ledger;

/// <summary>
/// Raises recorded chain breaks on /health/ready as Degraded: operators see them at once, while the
/// service keeps answering (taking the archive out of service would hide the evidence, not fix it).
/// </summary>
internal sealed class LedgerBreaksCheck(NpgsqlDataSource db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var cmd = db.CreateCommand("select count(*) from ledger_breaks");
            var breaks = (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
            return breaks == 0
                ? HealthCheckResult.Healthy("No chain breaks recorded")
                : HealthCheckResult.Degraded($"{breaks} ledger chain break(s) recorded: see /api/v1/archive/audit/verification");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Ledger unreadable: " + e.Message);
        }
    }
}
