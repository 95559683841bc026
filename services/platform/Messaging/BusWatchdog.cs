using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ppid.Platform.Messaging;

/// <summary>
/// Restarts the bus when it stays unhealthy. MassTransit 8.4's RabbitMQ receive transport can keep
/// retrying on a connection the broker closed and never reconnect (MassTransit #5692; reproduced
/// by ForwardingTests with force-closed connections). Nothing is lost meanwhile — messages wait in
/// their durable queues — but nothing is consumed either, so after <see cref="RestartAfter"/> of
/// continuous ill health the bus is stopped and started again, which builds fresh connections.
/// </summary>
public sealed class BusWatchdog(IBusControl bus, TimeProvider clock, ILogger<BusWatchdog> logger) : BackgroundService
{
    public TimeSpan CheckEvery { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan RestartAfter { get; init; } = TimeSpan.FromSeconds(10);

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
                unhealthySince ??= clock.GetUtcNow();
                if (clock.GetUtcNow() - unhealthySince < RestartAfter) continue;

                logger.LogWarning("Bus unhealthy for {Duration} ({Description}); restarting it", clock.GetUtcNow() - unhealthySince, health.Description);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(60));
                await bus.StopAsync(timeout.Token);
                await bus.StartAsync(timeout.Token);
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
