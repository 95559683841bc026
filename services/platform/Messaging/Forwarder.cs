using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Ppid.Platform.Database;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Projections;
using Ppid.Platform.Telemetry;

namespace Ppid.Platform.Messaging;

public sealed class ForwarderOptions
{
    /// <summary>The service whose events are forwarded; names the checkpoint and the leader lock.</summary>
    public required string ServiceName { get; init; }
    public int BatchSize { get; init; } = 500;
    /// <summary>Fallback poll when no notification arrives (notifications normally wake the forwarder at once).</summary>
    public TimeSpan FallbackPoll { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>How often a standby instance tries to become leader.</summary>
    public TimeSpan StandbyRetry { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Names the checkpoint and the leader's session advisory lock (<see cref="Database.PpidDataSource.TryTakeSessionLockAsync"/>).</summary>
    public string CheckpointName => $"forwarder:{ServiceName}";
}

/// <summary>
/// The outbox relay. The events table is the outbox: one instance per service (the holder of a
/// PostgreSQL advisory lock) reads new events in commit order and publishes them with publisher
/// confirms (see <see cref="RabbitMqEventPublisher"/> for why not through MassTransit's send pipeline). Its checkpoint moves only past a batch whose every
/// message the broker confirmed, and is written on the lock's own connection, so an instance
/// that lost its connection (and with it the lock) cannot move it. Delivery is at least once;
/// consumers' inboxes make the effect exactly once.
/// </summary>
public sealed class Forwarder(
    EventStore store,
    IEventPublisher publisher,
    ForwarderOptions options,
    ILogger<Forwarder> logger,
    EventNotifications? notifications = null) : BackgroundService
{
    private volatile bool _isLeader;

    public bool IsLeader => _isLeader;

    /// <summary>Cursor of the last event the broker confirmed.</summary>
    public GlobalCursor Confirmed { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            NpgsqlConnection? leaderConnection = null;
            try
            {
                leaderConnection = await PpidDataSource.TryTakeSessionLockAsync(store.DataSource, options.CheckpointName, stoppingToken);
                if (leaderConnection is null)
                {
                    await Task.Delay(options.StandbyRetry, stoppingToken);
                    continue;
                }
                _isLeader = true;
                logger.LogInformation("Forwarder {Service} is the leader", options.ServiceName);
                await ForwardAsLeaderAsync(leaderConnection, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Forwarder {Service} stopped forwarding; retrying", options.ServiceName);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
            finally
            {
                _isLeader = false;
                // The pool does not reset connections (PpidDataSource): the lock must not go back into it.
                if (leaderConnection is not null) await PpidDataSource.ReleaseSessionAsync(leaderConnection);
            }
        }
    }

    private async Task ForwardAsLeaderAsync(NpgsqlConnection leaderConnection, CancellationToken ct)
    {
        await AsyncProjectionRunner.EnsureCheckpointAsync(store.DataSource, options.CheckpointName, ct);
        var cursor = await AsyncProjectionRunner.ReadCheckpointAsync(store.DataSource, options.CheckpointName, ct);
        Confirmed = cursor;
        var heldBackDelay = TimeSpan.FromMilliseconds(1);
        var lastLeaderCheck = Stopwatch.StartNew();
        while (!ct.IsCancellationRequested)
        {
            var wakeUp = notifications?.NextWakeUp ?? Task.Delay(options.FallbackPoll, ct);
            var batch = await store.ReadAllAsync(cursor, options.BatchSize, ct);
            if (batch.Events.Count > 0)
            {
                await publisher.PublishAsync(batch.Events, ct);
                PlatformMetrics.EventsForwarded.Add(batch.Events.Count, new KeyValuePair<string, object?>("ppid.service", options.ServiceName));
                var last = batch.Events[^1].Cursor;
                logger.LogDebug("Forwarder {Service} confirmed positions {First}..{Last} ({Count} events)",
                    options.ServiceName, batch.Events[0].GlobalPosition, batch.Events[^1].GlobalPosition, batch.Events.Count);
                // On the lock's connection: fails (and ends our leadership) if that connection is gone.
                await AsyncProjectionRunner.SaveCheckpointAsync(leaderConnection, null, options.CheckpointName, last, ct);
                cursor = last;
                Confirmed = last;
                lastLeaderCheck.Restart();
                heldBackDelay = TimeSpan.FromMilliseconds(1);
                // A full batch may have more behind it. A shorter one read everything committed when
                // the read began, and anything appended since has completed the wake-up taken before it.
                if (batch.Events.Count == options.BatchSize) continue;
            }
            if (lastLeaderCheck.Elapsed > TimeSpan.FromSeconds(5))
            {
                await using var ping = new NpgsqlCommand("select 1", leaderConnection);
                await ping.ExecuteScalarAsync(ct);
                lastLeaderCheck.Restart();
            }
            if (batch.HeldBack)
            {
                await Task.Delay(heldBackDelay, ct);
                heldBackDelay = TimeSpan.FromMilliseconds(Math.Min(heldBackDelay.TotalMilliseconds * 2, 100));
                continue;
            }
            await EventNotifications.WaitAsync(wakeUp, options.FallbackPoll, ct);
        }
    }

}
