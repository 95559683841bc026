using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Logging;
using Npgsql;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Telemetry;

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
    /// <summary>Redeliveries in process (exponential backoff) before a failing message goes to the <c>_error</c> queue.</summary>
    public int RetryLimit { get; init; } = 10;

    /// <summary>
    /// The inbox name of this subscription. A subscription that follows streams in order must
    /// receive every event type of those stream types, or it would wait for versions it never gets.
    /// </summary>
    public string Consumer => Queue;
}

/// <summary>
/// The MassTransit consumer behind every subscription: decodes the event from the stored JSON
/// and headers, applies it at most once per subscription (inbox) and in version order per stream,
/// in one transaction with the handler's effect. An event that arrives ahead of its predecessor
/// (redelivery after a broker fault reorders a queue) is parked durably and acked; the transaction
/// that applies the predecessor applies the parked successors after it. No retry loop waits for
/// order, so reordering never sends a message to the error queue.
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
        using var activity = StartActivity(context, e);
        activity?.SetTag("ppid.consumer", subscription.Consumer);
        activity?.SetTag("ppid.tenant", e.Tenant);
        activity?.SetTag("ppid.stream", e.StreamId);
        activity?.SetTag("ppid.event_type", e.Type);
        activity?.SetTag("ppid.position", e.Position);
        PlatformMetrics.ConsumeDelay.Record(Math.Max(0, (store.Clock.GetUtcNow() - e.RecordedAt).TotalSeconds),
            new KeyValuePair<string, object?>("ppid.consumer", subscription.Consumer));
        try
        {
            await ApplyInOrderAsync(context, e);
        }
        catch (Exception failure) when (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, failure.Message); // MassTransit retries, then moves it to _error
            throw;
        }
    }

    private async Task ApplyInOrderAsync(ConsumeContext context, IncomingEvent e)
    {
        var ct = context.CancellationToken;
        logger.LogDebug("{Consumer} received {EventId} ({Stream} v{Version}, delivery {Redelivered})", subscription.Consumer, e.EventId, e.StreamId, e.StreamVersion, context.ReceiveContext.Redelivered);
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        // Readers (the forwarder) are woken after the commit only when the handler appended something to read.
        using var appends = AppendWatch.Start();
        if (!subscription.Ordered)
        {
            if (!await ApplyOnceAsync(connection, tx, e, ct)) return;
            await tx.CommitAsync(ct);
            if (appends.Appended) store.NotifyAppended();
            return;
        }

        var claim = await ClaimAsync(connection, tx, e, ct);
        if (e.StreamVersion <= claim.Applied)
        {
            if (!await InInboxAsync(connection, tx, e.EventId, ct))
            {
                // Not a redelivery: another event claims a version this consumer already applied.
                // The source's history changed (a restore, tampering): never drop it silently.
                logger.LogError("{Consumer}: event {EventId} claims {Service}/{Stream} v{Version}, already applied from another event; sent to the error queue",
                    subscription.Consumer, e.EventId, e.SourceService, e.StreamId, e.StreamVersion);
                throw new ConflictingEventException(e, subscription.Consumer);
            }
            logger.LogDebug("Duplicate {EventId} ({Stream} v{Version}, applied v{Applied}) dropped by {Consumer}", e.EventId, e.StreamId, e.StreamVersion, claim.Applied, subscription.Consumer);
            PlatformMetrics.DuplicatesDropped.Add(1, new KeyValuePair<string, object?>("ppid.consumer", subscription.Consumer));
            return;
        }
        if (e.StreamVersion > claim.Applied + 1)
        {
            await ParkAsync(connection, tx, e, ct);
            await tx.CommitAsync(ct);
            logger.LogDebug("{Consumer} parked {Stream} v{Version} until v{Due} arrives", subscription.Consumer, e.StreamId, e.StreamVersion, claim.Applied + 1);
            PlatformMetrics.Parked.Add(1, new KeyValuePair<string, object?>("ppid.consumer", subscription.Consumer));
            return;
        }
        // The next version: the claim recorded it in the inbox and moved the stream to it.
        if (claim.Recorded) await HandleAsync(connection, tx, e, ct);
        else DroppedDuplicate(e);
        var applied = e.StreamVersion;
        if (claim.Parked)
        {
            // Successors wait in inbox_parked only when the stream's flag says so (set under this row's lock).
            for (var next = await UnparkAsync(connection, tx, e.SourceService, e.StreamId, applied + 1, ct); next is not null;
                 next = await UnparkAsync(connection, tx, e.SourceService, e.StreamId, applied + 1, ct))
            {
                await ApplyOnceAsync(connection, tx, next, ct);
                applied = next.StreamVersion;
            }
            await SetVersionAfterUnparkingAsync(connection, tx, e.SourceService, e.StreamId, applied, ct);
        }
        await tx.CommitAsync(ct);
        logger.LogDebug("{Consumer} applied {Stream} up to v{Version}", subscription.Consumer, e.StreamId, applied);
        if (appends.Appended) store.NotifyAppended();
    }

    /// <summary>
    /// The consume span continues the trace of the forward that published the event (its
    /// <c>traceparent</c> header, itself a child of the request that appended it), so one request's
    /// trace reaches every consumer. When the receive pipeline already runs in that trace the span
    /// nests under it; otherwise that receive activity is kept as a link.
    /// </summary>
    private static Activity? StartActivity(ConsumeContext context, IncomingEvent e)
    {
        var name = "consume " + e.Type;
        var current = Activity.Current;
        if (!ActivityContext.TryParse(context.Headers.Get<string>(WireHeaders.TraceParent), null, out var published)
            || current?.TraceId == published.TraceId)
            return ActivitySource.StartActivity(name, ActivityKind.Consumer);
        var links = current is null ? null : new[] { new ActivityLink(current.Context) };
        return ActivitySource.StartActivity(name, ActivityKind.Consumer, published, links: links);
    }

    /// <summary>Records the event in the inbox and applies it, unless the inbox has it already.</summary>
    private async Task<bool> ApplyOnceAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IncomingEvent e, CancellationToken ct)
    {
        if (!await RecordInInboxAsync(connection, tx, e.EventId, ct))
        {
            DroppedDuplicate(e);
            return false;
        }
        await HandleAsync(connection, tx, e, ct);
        return true;
    }

    private async Task HandleAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IncomingEvent e, CancellationToken ct)
    {
        await handler.HandleAsync(e, connection, tx, ct);
        PlatformMetrics.EventsConsumed.Add(1, new KeyValuePair<string, object?>("ppid.consumer", subscription.Consumer));
    }

    private void DroppedDuplicate(IncomingEvent e)
    {
        logger.LogDebug("Duplicate {EventId} dropped by {Consumer}", e.EventId, subscription.Consumer);
        PlatformMetrics.DuplicatesDropped.Add(1, new KeyValuePair<string, object?>("ppid.consumer", subscription.Consumer));
    }

    // Parks the event and flags its stream (whose row this transaction has locked), in one round trip.
    private async Task ParkAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IncomingEvent e, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(
                    """
                    insert into inbox_parked (consumer, stream_id, stream_version, event_id, type, schema_version, global_position,
                                              transaction_id, tenant, recorded_at, hash, source_service, data, metadata)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                    on conflict do nothing
                    """)
                {
                    Parameters =
                    {
                        new NpgsqlParameter<string> { TypedValue = subscription.Consumer },
                        new NpgsqlParameter<string> { TypedValue = e.StreamId },
                        new NpgsqlParameter<long> { TypedValue = e.StreamVersion },
                        new NpgsqlParameter<Guid> { TypedValue = e.EventId },
                        new NpgsqlParameter<string> { TypedValue = e.Type },
                        new NpgsqlParameter<int> { TypedValue = e.SchemaVersion },
                        new NpgsqlParameter<long> { TypedValue = e.Position },
                        new NpgsqlParameter<string> { TypedValue = e.TransactionId.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                        new NpgsqlParameter<string> { TypedValue = e.Tenant },
                        new NpgsqlParameter<DateTimeOffset> { TypedValue = e.RecordedAt },
                        new NpgsqlParameter<byte[]> { TypedValue = e.Hash },
                        new NpgsqlParameter<string> { TypedValue = e.SourceService },
                        new NpgsqlParameter<string> { TypedValue = e.DataJson },
                        new NpgsqlParameter<string> { TypedValue = e.MetadataJson },
                    },
                },
                StreamCommand("update inbox_streams set parked = true where consumer = $1 and source_service = $2 and stream_id = $3", e.SourceService, e.StreamId),
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
    }

    private async Task<IncomingEvent?> UnparkAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string source, string streamId, long version, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            delete from inbox_parked where consumer = $1 and stream_id = $2 and stream_version = $3 and source_service = $4
            returning event_id, type, schema_version, global_position, transaction_id, tenant, recorded_at, hash, source_service, data, metadata
            """, connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscription.Consumer });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = source });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var type = reader.GetString(1);
        var schemaVersion = reader.GetInt32(2);
        var data = reader.GetString(9);
        var metadata = reader.GetString(10);
        return new IncomingEvent(reader.GetGuid(0), type, schemaVersion, streamId, version, reader.GetInt64(3),
            ulong.Parse(reader.GetString(4), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(5),
            reader.GetFieldValue<DateTimeOffset>(6), (byte[])reader[7], reader.GetString(8), data, metadata,
            store.Types.Deserialize(type, schemaVersion, data),
            System.Text.Json.JsonSerializer.Deserialize<EventMetadata>(metadata, EventJson.Options)!);
    }

    /// <summary>What <see cref="ClaimAsync"/> found and did.</summary>
    /// <param name="Applied">The stream's version applied before this event.</param>
    /// <param name="Parked">Whether events of the stream wait in inbox_parked.</param>
    /// <param name="Recorded">The event was the next version and is now in the inbox (the stream's version moved to it).</param>
    private readonly record struct StreamClaim(long Applied, bool Parked, bool Recorded);

    /// <summary>
    /// One round trip for an event in order, the common case. Creates the stream's row if needed and locks it (two copies
    /// of one event, or two instances, serialize here) and reads the version applied; when the event is the next
    /// version, records it in the inbox and moves the stream's version to it (both conditional on that version, so
    /// a duplicate or an early event changes nothing). The handler's effect then commits with them or not at all.
    /// Stream ids are unique only within their source service, so order is kept per (service, stream).
    /// </summary>
    private async Task<StreamClaim> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IncomingEvent e, CancellationToken ct)
    {
        var previous = e.StreamVersion - 1;
        var record = StreamCommand(
            """
            insert into inbox (consumer, event_id, processed_at)
            select $1, $4, now() from inbox_streams where consumer = $1 and source_service = $2 and stream_id = $3 and version = $5
            on conflict do nothing
            """, e.SourceService, e.StreamId);
        record.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = e.EventId });
        record.Parameters.Add(new NpgsqlParameter<long> { TypedValue = previous });
        var advance = StreamCommand(
            "update inbox_streams set version = $4 where consumer = $1 and source_service = $2 and stream_id = $3 and version = $5", e.SourceService, e.StreamId);
        advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
        advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = previous });
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                StreamCommand("insert into inbox_streams (consumer, source_service, stream_id, version) values ($1, $2, $3, 0) on conflict do nothing", e.SourceService, e.StreamId),
                StreamCommand("select version, parked from inbox_streams where consumer = $1 and source_service = $2 and stream_id = $3 for update", e.SourceService, e.StreamId),
                record,
                advance,
            },
        };
        long applied;
        bool parked;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct)) throw new InvalidOperationException($"{subscription.Consumer}: no inbox_streams row for {e.SourceService}/{e.StreamId} after inserting it");
            applied = reader.GetInt64(0);
            parked = reader.GetBoolean(1);
            while (await reader.NextResultAsync(ct)) { } // to the end, so the commands' row counts are in
        }
        return new StreamClaim(applied, parked, Recorded: record.RecordsAffected == 1);
    }

    private NpgsqlBatchCommand StreamCommand(string sql, string source, string streamId) => new(sql)
    {
        Parameters =
        {
            new NpgsqlParameter<string> { TypedValue = subscription.Consumer },
            new NpgsqlParameter<string> { TypedValue = source },
            new NpgsqlParameter<string> { TypedValue = streamId },
        },
    };

    private async Task SetVersionAfterUnparkingAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string source, string streamId, long version, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            update inbox_streams set version = $4,
                   parked = exists (select 1 from inbox_parked p where p.consumer = $1 and p.source_service = $2 and p.stream_id = $3)
             where consumer = $1 and source_service = $2 and stream_id = $3
            """, connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscription.Consumer });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = source });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<bool> InInboxAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid eventId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select exists (select 1 from inbox where consumer = $1 and event_id = $2)", connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscription.Consumer });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = eventId });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
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

/// <summary>
/// An event claims a stream version its consumer already applied from a different event: the
/// source's history is not the one the consumer saw. Not retried; it goes to the error queue,
/// where an operator sees it (error-queue depth) instead of the consumer dropping it as a duplicate.
/// </summary>
public sealed class ConflictingEventException(IncomingEvent e, string consumer) : Exception(
    $"{consumer}: event {e.EventId} ({e.Type}) claims {e.SourceService}/{e.StreamId} v{e.StreamVersion}, which this consumer already applied from another event.")
{
    public Guid EventId { get; } = e.EventId;
}
