using Npgsql;
using Ppid.Platform.Database;

namespace Ppid.Classification.Expiry;

/// <summary>
/// Runs <see cref="ExpiryScheduler"/> every <see cref="ExpiryOptions.Interval"/> on the one instance
/// that holds a PostgreSQL session advisory lock; the others wait and try again each interval, so
/// when the leader dies its lock goes with its connection and another instance takes over.
/// </summary>
public sealed class ExpiryService(NpgsqlDataSource db, ExpiryScheduler scheduler, ExpiryOptions options, TimeProvider clock, ILogger<ExpiryService> logger)
    : BackgroundService
{
    public const string LockName = "classification/expiry-scheduler";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            NpgsqlConnection? leading = null;
            try
            {
                leading = await PpidDataSource.TryTakeSessionLockAsync(db, LockName, stoppingToken);
                if (leading is null)
                {
                    await Task.Delay(options.StandbyRetry, clock, stoppingToken);
                    continue;
                }
                logger.LogInformation("This instance runs the exemption expiry scheduler");
                while (!stoppingToken.IsCancellationRequested)
                {
                    await scheduler.RunOnceAsync(clock.GetUtcNow(), stoppingToken);
                    await Task.Delay(options.Interval, clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(e, "Expiry scheduler failed; retrying after {Retry}", options.StandbyRetry);
                await Task.Delay(options.StandbyRetry, clock, stoppingToken);
            }
            finally
            {
                // The pool does not reset connections (PpidDataSource): the lock must not go back into it.
                if (leading is not null) await PpidDataSource.ReleaseSessionAsync(leading);
            }
        }
    }
}
