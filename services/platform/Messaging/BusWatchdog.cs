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
/// <para>
/// A restart does not always heal: after a broker restart under load a receive endpoint was seen to
/// stay faulted through any number of bus restarts. After <see cref="GiveUpAfterRestarts"/> restarts
/// that did not help, the watchdog calls <paramref name="giveUp"/>, which in a service stops the
/// process with exit code 70 so that its supervisor (Kubernetes, Compose's restart policy, the test
/// suite's) starts it afresh: a new process always connects, and the inbox makes redelivery harmless.
/// </para>
/// </summary>
public sealed class BusWatchdog(IBusControl bus, Func<CancellationToken, Task<bool>> brokerReachable, Action<string> giveUp, TimeProvider clock,
    ILogger<BusWatchdog> logger) : BackgroundService
{
    public TimeSpan CheckEvery { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan RestartAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a restart waits for the stuck bus to stop gracefully before forcing it (cancelling
    /// the stop abandons in-flight consumes; their messages are redelivered and the inboxes drop
    /// what was already applied). A graceful stop of a stuck transport was seen to take 40 s; a
    /// forced stop after 5 s left the bus unable to start again ("already started") after a broker
    /// restart under load, so the stop gets its time.
    /// </summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The exit code of a service whose watchdog gave up (EX_SOFTWARE): its supervisor should start it again.</summary>
    public const int GaveUpExitCode = 70;

    /// <summary>Restarts in a row, without the bus turning healthy in between, after which the process gives up.</summary>
    public int GiveUpAfterRestarts { get; init; } = 2;

    public int Restarts { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        DateTimeOffset? unhealthySince = null;
        var restartsWithoutHealing = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CheckEvery, stoppingToken);
                var health = bus.CheckHealth();
                if (health.Status == BusHealthStatus.Healthy)
                {
                    unhealthySince = null;
                    restartsWithoutHealing = 0;
                    continue;
                }
                if (!await brokerReachable(stoppingToken))
                {
                    unhealthySince = null;
                    continue;
                }
                unhealthySince ??= clock.GetUtcNow();
                if (clock.GetUtcNow() - unhealthySince < RestartAfter) continue;

                if (restartsWithoutHealing >= GiveUpAfterRestarts)
                {
                    var reason = $"the bus stayed unhealthy ({health.Description}) through {restartsWithoutHealing} restarts with the broker reachable";
                    logger.LogCritical("Consumers cannot recover in this process: {Reason}; stopping it so that its supervisor starts it afresh", reason);
                    giveUp(reason);
                    return;
                }
                restartsWithoutHealing++;
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
