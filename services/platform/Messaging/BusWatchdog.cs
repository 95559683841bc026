using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ppid.Platform.Messaging;

/// <summary>
/// Restarts the bus when it stays unhealthy while the broker is up. MassTransit 8.4's RabbitMQ
/// receive transport can keep retrying on a connection the broker closed and never reconnect
/// (MassTransit #5692; reproduced by ForwardingTests with force-closed connections). Nothing is lost
/// meanwhile — messages wait in their durable queues — but nothing is consumed either, so after
/// <see cref="RestartAfter"/> of ill health with the broker reachable the bus is stopped and started
/// again, which builds fresh connections.
/// <para>
/// While the broker itself is unreachable (a broker restart), MassTransit's own reconnection is the
/// cure and a restart cannot connect anyway: restarting then was seen to leave the bus for good in
/// "already started" (issue 9's RabbitMQ-restart scenario). So the clock only runs while a fresh
/// connection to the broker succeeds (<paramref name="brokerReachable"/>).
/// </para>
/// </summary>
public sealed class BusWatchdog(IBusControl bus, Func<CancellationToken, Task<bool>> brokerReachable, TimeProvider clock, ILogger<BusWatchdog> logger)
    : BackgroundService
{
    public TimeSpan CheckEvery { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan RestartAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a restart waits for the stuck bus to stop gracefully before forcing it (cancelling
    /// the stop abandons in-flight consumes; their messages are redelivered and the inboxes drop
    /// what was already applied). A graceful stop of a stuck transport was seen to take 40 s.
    /// </summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public int Restarts { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        DateTimeOffset? unhealthySince = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CheckEvery, stoppingToken);
                var health = bus.CheckHealth();
                if (health.Status == BusHealthStatus.Healthy)
                {
                    unhealthySince = null;
                    continue;
                }
                if (!await brokerReachable(stoppingToken))
                {
                    unhealthySince = null;
                    continue;
                }
                unhealthySince ??= clock.GetUtcNow();
                if (clock.GetUtcNow() - unhealthySince < RestartAfter) continue;

                logger.LogWarning("Bus unhealthy for {Duration} ({Description}); restarting it", clock.GetUtcNow() - unhealthySince, health.Description);
                using (var stopTimeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
                {
                    stopTimeout.CancelAfter(StopTimeout);
                    try
                    {
                        await bus.StopAsync(stopTimeout.Token);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        logger.LogWarning("The bus did not stop within {Timeout}; stopping forced", StopTimeout);
                    }
                }
                using var startTimeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                startTimeout.CancelAfter(TimeSpan.FromSeconds(60));
                await bus.StartAsync(startTimeout.Token);
                Restarts++;
                unhealthySince = null;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Restarting the bus failed; trying again");
            }
        }
    }
}
