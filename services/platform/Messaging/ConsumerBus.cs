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
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<ConsumerBus> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Instance _current;
    private volatile bool _stopped;

    /// <param name="create">Builds a bus (<see cref="BusConfiguration.CreateBus"/>); called once now and once per rebuild.</param>
    public ConsumerBus(Func<IBusControl> create, ILoggerFactory loggers)
    {
        _create = create;
        _loggers = loggers;
        _logger = loggers.CreateLogger<ConsumerBus>();
        _current = new Instance(Create());
    }

    /// <summary>How many times the bus was replaced.</summary>
    public int Rebuilds { get; private set; }

    /// <summary>How long a rebuild waits for the old bus to stop gracefully (see <see cref="RebuildAsync"/>).</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a rebuild waits for the new bus to start; it keeps starting afterwards.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public BusHealthResult CheckHealth() => _current.Bus.CheckHealth();

    /// <summary>
    /// Starts the bus without waiting for the broker: a service serves what its database holds while
    /// RabbitMQ is away. The start has no deadline (MassTransit would give a start without a
    /// cancellable token 60 s): it connects whenever the broker comes.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _current.Start(_logger);
        return Task.CompletedTask;
    }

    /// <summary>Waits until the current bus's start has finished (a failed start is logged; <see cref="CheckHealth"/> tells).</summary>
    public Task WaitUntilStartedAsync(CancellationToken cancellationToken) => _current.Started.WaitAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _stopped = true;
            await _current.StopAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops the current bus gracefully (in-flight consumes finish and are acknowledged) and starts a new
    /// one from the factory, waiting up to <see cref="StartTimeout"/> for it. Returns false, replacing
    /// nothing, when the old bus did not stop within <see cref="StopTimeout"/>: its connection may still
    /// hold unacknowledged deliveries that only its closing returns to the queue, so the caller should
    /// end the process rather than run a second bus beside it.
    /// </summary>
    public async Task<bool> RebuildAsync(CancellationToken cancellationToken)
    {
        Instance fresh;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_stopped) return true; // the host is shutting down: nothing to replace
            using (var stopTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                stopTimeout.CancelAfter(StopTimeout);
                try
                {
                    await _current.StopAsync(stopTimeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    _logger.LogError("The consumer bus did not stop within {Timeout}; not replacing it", StopTimeout);
                    return false;
                }
            }
            fresh = new Instance(Create());
            fresh.Start(_logger);
            _current = fresh;
            Rebuilds++;
        }
        finally
        {
            _gate.Release();
        }
        try
        {
            await fresh.Started.WaitAsync(StartTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("The new consumer bus has not started within {Timeout}; it keeps trying", StartTimeout);
        }
        return true;
    }

    private IBusControl Create()
    {
        // MassTransit's log context flows with the async context: set it on the flow that builds each bus.
        LogContext.ConfigureCurrentLogContext(_loggers);
        return _create();
    }

    /// <summary>Stops the bus unless <see cref="StopAsync"/> did (a host stops it first; a test may only dispose).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopped) return;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await StopAsync(timeout.Token);
        }
        catch (Exception e)
        {
            _logger.LogDebug(e, "Stopping the consumer bus on dispose failed");
        }
    }

    /// <summary>One bus and its start, which can be cancelled: MassTransit's stop does nothing to a bus still starting.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A CancellationTokenSource without a timer holds nothing to release; not disposing it keeps a second stop (or one after a failed rebuild) from throwing ObjectDisposedException.")]
    private sealed class Instance(IBusControl bus)
    {
        private readonly CancellationTokenSource _startCancel = new();
        private volatile Task _started = Task.CompletedTask;

        public IBusControl Bus { get; } = bus;
        public Task Started => _started;

        public void Start(ILogger logger) => _started = StartLoggedAsync(logger);

        private async Task StartLoggedAsync(ILogger logger)
        {
            try
            {
                await Bus.StartAsync(_startCancel.Token);
            }
            catch (OperationCanceledException) when (_startCancel.IsCancellationRequested)
            {
                logger.LogDebug("Consumer bus start cancelled to stop it");
            }
            catch (Exception e)
            {
                // The bus stays unhealthy; the watchdog sees it and replaces it or gives up.
                logger.LogWarning(e, "Starting the consumer bus failed");
            }
        }

        /// <summary>
        /// Cancels a start still running (MassTransit then stops what it started), waits for it, and stops
        /// the bus; throws <see cref="OperationCanceledException"/> if that did not finish in time.
        /// </summary>
        public async Task StopAsync(CancellationToken cancellationToken)
        {
            await _startCancel.CancelAsync();
            await Started.WaitAsync(cancellationToken);
            await Bus.StopAsync(cancellationToken).WaitAsync(cancellationToken);
            // MassTransit's stop catches its own cancellation and returns as if done: a stop cut short
            // may have left the connection open, so it counts as not stopped.
            cancellationToken.ThrowIfCancellationRequested();
        }
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
