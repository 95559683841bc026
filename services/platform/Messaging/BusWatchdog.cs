using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ppid.Platform.Messaging;

/// <summary>
/// Replaces the consumer bus when it stays unhealthy while the broker is up. MassTransit 8.4's RabbitMQ
/// receive transport can stop consuming for good after the broker closes its connection at the wrong
/// moment (MassTransit #5692, and the hang described on <see cref="ConsumerBus"/>; both reproduced by
/// ForwardingTests with force-closed connections). Nothing is lost meanwhile (messages wait in their
/// durable queues) but nothing is consumed either, so after <see cref="ReplaceAfter"/> of ill health
/// with the broker reachable the bus is replaced by a new one (<see cref="ConsumerBus.RebuildAsync"/>).
/// Stopping and starting the same bus does not cure the hang: the stuck endpoint is skipped by the
/// stop and refused by the start ("already started").
/// <para>
/// While the broker itself is unreachable (a broker restart), MassTransit's own reconnection is the
/// cure and a new bus could not connect anyway, so the clock only runs while a fresh connection to the
/// broker succeeds (<paramref name="brokerReachable"/>).
/// </para>
/// <para>
/// If <see cref="GiveUpAfterRebuilds"/> new buses in a row stay unhealthy, or the stuck bus does not
/// stop within <see cref="ConsumerBus.StopTimeout"/> (its connection may hold unacknowledged
/// deliveries that only its closing returns to the queue), the watchdog calls
/// <paramref name="giveUp"/>, which in a service stops the process with exit code 70 so that its
/// supervisor (Kubernetes, Compose's restart policy, the test suite's) starts it afresh; the inbox makes
/// redelivery harmless.
/// </para>
/// </summary>
public sealed class BusWatchdog(ConsumerBus consumers, Func<CancellationToken, Task<bool>> brokerReachable, Action<string> giveUp, TimeProvider clock,
    ILogger<BusWatchdog> logger) : BackgroundService
{
    public TimeSpan CheckEvery { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan ReplaceAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The exit code of a service whose watchdog gave up (EX_SOFTWARE): its supervisor should start it again.</summary>
    public const int GaveUpExitCode = 70;

    /// <summary>New buses in a row, without one turning healthy, after which the process gives up.</summary>
    public int GiveUpAfterRebuilds { get; init; } = 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        DateTimeOffset? unhealthySince = null;
        var rebuildsWithoutHealing = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CheckEvery, clock, stoppingToken);
                var health = consumers.CheckHealth();
                if (health.Status == BusHealthStatus.Healthy)
                {
                    unhealthySince = null;
                    rebuildsWithoutHealing = 0;
                    continue;
                }
                if (!await brokerReachable(stoppingToken))
                {
                    unhealthySince = null;
                    continue;
                }
                unhealthySince ??= clock.GetUtcNow();
                if (clock.GetUtcNow() - unhealthySince < ReplaceAfter) continue;

                if (rebuildsWithoutHealing >= GiveUpAfterRebuilds)
                {
                    var reason = $"the consumer bus stayed unhealthy ({health.Description}) through {rebuildsWithoutHealing} new buses with the broker reachable";
                    logger.LogCritical("Consumers cannot recover in this process: {Reason}; stopping it so that its supervisor starts it afresh", reason);
                    giveUp(reason);
                    return;
                }
                rebuildsWithoutHealing++;
                logger.LogWarning("Consumer bus unhealthy for {Duration} ({Description}); replacing it", clock.GetUtcNow() - unhealthySince, health.Description);
                unhealthySince = null;
                if (!await consumers.RebuildAsync(stoppingToken))
                {
                    var reason = $"the consumer bus stayed unhealthy ({health.Description}) and did not stop within {consumers.StopTimeout} to be replaced";
                    logger.LogCritical("Consumers cannot recover in this process: {Reason}; stopping it so that its supervisor starts it afresh", reason);
                    giveUp(reason);
                    return;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Checking or replacing the consumer bus failed; trying again");
            }
        }
    }
}
