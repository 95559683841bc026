using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Logging;
using Npgsql;
using Ppid.Platform.EventSourcing;

namespace Ppid.Platform.Messaging;

/// <summary>
/// What a service does with an event it consumes. The effect is written on the given
/// connection and transaction, which also records the event in the inbox: both commit or neither.
/// </summary>
public interface IEventHandler
{
    Task HandleAsync(IncomingEvent e, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct);
}

/// <summary>How a handler subscribes: its queue, the stream types it follows, and whether it needs version order.</summary>
public sealed record Subscription(string Queue, Type Handler, IReadOnlyList<string> StreamTypes, bool Ordered = true)
{
    /// <summary>
    /// The inbox name of this subscription. A subscription that follows streams in order must
    /// receive every event type of those stream types, or it would wait for versions it never gets.
    /// </summary>
    public string Consumer => Queue;
}

/// <summary>An event arrived before an earlier version of its stream was applied: retried until it fits.</summary>
public sealed class StreamGapException(string streamId, long expected, long received)
    : Exception($"Stream '{streamId}': received version {received} while version {expected} is due; waiting for it.");

/// <summary>
/// The MassTransit consumer behind every subscription: decodes the event from the stored JSON
/// and headers, applies it at most once per subscription (inbox) and in version order per stream,
/// in one transaction with the handler's effect.
/// </summary>
public sealed class InboxConsumer<TMessage>(
    EventStore store,
    Subscription subscription,
    IEventHandler handler,
    ILogger<InboxConsumer<TMessage>> logger) : IConsumer<TMessage> where TMessage : class
{
    public static readonly ActivitySource ActivitySource = new("Ppid.Consumer");

    public async Task Consume(ConsumeContext<TMessage> context)
    {
        var e = IncomingEvent.From(context, store.Types);
        using var activity = ActivitySource.StartActivity("consume " + e.Type);
        activity?.SetTag("ppid.consumer", subscription.Consumer);
        activity?.SetTag("ppid.tenant", e.Tenant);
        activity?.SetTag("ppid.stream", e.StreamId);
        activity?.SetTag("ppid.event_type", e.Type);
        activity?.SetTag("ppid.position", e.Position);

        var ct = context.CancellationToken;
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        if (subscription.Ordered)
        {
            var applied = await AppliedVersionAsync(connection, tx, e.StreamId, ct);
            if (e.StreamVersion <= applied)
            {
                logger.LogDebug("Duplicate {EventId} ({Stream} v{Version}) dropped by {Consumer}", e.EventId, e.StreamId, e.StreamVersion, subscription.Consumer);
                InboxMetrics.DuplicatesDropped.Add(1);
                return;
            }
            if (e.StreamVersion != applied + 1) throw new StreamGapException(e.StreamId, applied + 1, e.StreamVersion);
            await SetAppliedVersionAsync(connection, tx, e.StreamId, e.StreamVersion, ct);
        }
        if (!await RecordInInboxAsync(connection, tx, e.EventId, ct))
        {
            logger.LogDebug("Duplicate {EventId} dropped by {Consumer}", e.EventId, subscription.Consumer);
            InboxMetrics.DuplicatesDropped.Add(1);
            return;
        }
        await handler.HandleAsync(e, connection, tx, ct);
        await tx.CommitAsync(ct);
        store.NotifyAppended();
    }

    private async Task<long> AppliedVersionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string streamId, CancellationToken ct)
    {
        // Locks the stream's row so that two copies of the same event (or two instances) serialize here.
        await using var insert = new NpgsqlCommand(
            "insert into inbox_streams (consumer, stream_id, version) values ($1, $2, 0) on conflict do nothing", connection, tx);
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscription.Consumer });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        await insert.ExecuteNonQueryAsync(ct);
        await using var select = new NpgsqlCommand(
            "select version from inbox_streams where consumer = $1 and stream_id = $2 for update", connection, tx);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscription.Consumer });
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        return (long)(await select.ExecuteScalarAsync(ct))!;
    }

    private async Task SetAppliedVersionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string streamId, long version, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("update inbox_streams set version = $3 where consumer = $1 and stream_id = $2", connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscription.Consumer });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<bool> RecordInInboxAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid eventId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "insert into inbox (consumer, event_id, processed_at) values ($1, $2, now()) on conflict do nothing", connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscription.Consumer });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = eventId });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }
}

internal static class InboxMetrics
{
    public static readonly System.Diagnostics.Metrics.Meter Meter = new("Ppid.Messaging");
    public static readonly System.Diagnostics.Metrics.Counter<long> DuplicatesDropped =
        Meter.CreateCounter<long>("ppid.inbox.duplicates_dropped", description: "Events received again and dropped by an inbox");
}
