using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ppid.Platform.Messaging;

/// <summary>
/// The MassTransit bus that runs a service's subscriptions, held so that it can be replaced by a
/// fresh one (<see cref="RebuildAsync"/>) when it cannot recover by itself.
/// <para>
/// Why replace rather than stop and start the same bus: MassTransit 8.4's RabbitMQ receive transport
/// can hang for good when the broker closes its connection between the topology set-up and the
/// consumer's consume-ok (reproduced by ForwardingTests with force-closed connections under CPU
/// load). The endpoint is then "Completed", which the bus's stop skips, so its next start throws
/// "The receive endpoint was already started" on every attempt. A new bus has new endpoints,
/// connections and channels: the same cure as a new process, without taking the service's HTTP side
/// down. The stuck endpoint holds no channel (its connection is gone), so nothing waits on it.
/// </para>
/// </summary>
public sealed class ConsumerBus : IHostedService, IAsyncDisposable
{
    private readonly Func<IBusControl> _create;
    private readonly ILogger<ConsumerBus> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile IBusControl _bus;
    private Task _starting = Task.CompletedTask;

    /// <param name="create">Builds a bus (e.g. <c>Bus.Factory.CreateUsingRabbitMq</c> with <see cref="BusConfiguration"/>); called once now and once per rebuild.</param>
    public ConsumerBus(Func<IBusControl> create, ILoggerFactory loggers)
    {
        _create = create;
        _logger = loggers.CreateLogger<ConsumerBus>();
        // MassTransit logs through its own static context; without this its transport logs go nowhere.
        LogContext.ConfigureCurrentLogContext(loggers);
        _bus = create();
    }

    /// <summary>How many times the bus was replaced.</summary>
    public int Rebuilds { get; private set; }

    /// <summary>How long a rebuild waits for the old bus to stop gracefully (see <see cref="RebuildAsync"/>).</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a rebuild waits for the new bus to start (its endpoints connected) before giving up the attempt.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public BusHealthResult CheckHealth() => _bus.CheckHealth();

    /// <summary>
    /// Starts the bus without waiting for the broker: a service serves what its database holds while
    /// RabbitMQ is away, and MassTransit keeps reconnecting (<see cref="WaitUntilStartedAsync"/> waits).
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _starting = StartLoggedAsync(_bus, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Waits until the current bus's start has finished (a failed start is logged; <see cref="CheckHealth"/> tells).</summary>
    public Task WaitUntilStartedAsync(CancellationToken cancellationToken) => _starting.WaitAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await _bus.StopAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops the current bus (gracefully, up to <see cref="StopTimeout"/>: in-flight consumes finish and
    /// are acknowledged; abandoned ones are redelivered once the old connection closes, and the inbox
    /// drops what was already applied), then starts a new one from the factory and waits up to
    /// <see cref="StartTimeout"/> for it to start.
    /// </summary>
    public async Task RebuildAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        using var startTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var old = _bus;
            using (var stopTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                stopTimeout.CancelAfter(StopTimeout);
                try
                {
                    await old.StopAsync(stopTimeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    _logger.LogWarning("The old bus did not stop within {Timeout}; replacing it anyway", StopTimeout);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogWarning(e, "Stopping the old bus failed; replacing it anyway");
                }
            }
            _bus = _create();
            Rebuilds++;
            startTimeout.CancelAfter(StartTimeout);
            _starting = StartLoggedAsync(_bus, startTimeout.Token);
        }
        finally
        {
            _gate.Release();
        }
        await _starting;
    }

    private async Task StartLoggedAsync(IBusControl bus, CancellationToken cancellationToken)
    {
        try
        {
            await bus.StartAsync(cancellationToken);
        }
        catch (Exception e)
        {
            // The bus stays unhealthy; the watchdog sees it and rebuilds or gives up.
            _logger.LogWarning(e, "Starting the consumer bus failed");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _bus.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        }
        catch (Exception e)
        {
            _logger.LogDebug(e, "Stopping the consumer bus on dispose failed");
        }
        _gate.Dispose();
    }
}

/// <summary>The consumers' health for /health/ready: MassTransit's own view of every receive endpoint.</summary>
public sealed class ConsumerBusHealthCheck(ConsumerBus bus) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = bus.CheckHealth();
        return Task.FromResult(health.Status switch
        {
            BusHealthStatus.Healthy => HealthCheckResult.Healthy(health.Description),
            BusHealthStatus.Degraded => HealthCheckResult.Degraded(health.Description, health.Exception),
            _ => HealthCheckResult.Unhealthy(health.Description, health.Exception),
        });
    }
}
