using System.Diagnostics;
using System.Globalization;
using System.Text;
using MassTransit;
using Microsoft.Extensions.Logging;
using Ppid.Platform.EventSourcing;
using RabbitMQ.Client;

namespace Ppid.Platform.Messaging;

/// <summary>Publishes a batch of stored events and returns only when the broker confirmed every one.</summary>
public interface IEventPublisher
{
    Task PublishAsync(IReadOnlyList<StoredEvent> events, CancellationToken ct);
}

/// <summary>
/// The forwarder's publisher, on RabbitMQ.Client directly rather than through MassTransit's send
/// pipeline. RabbitMQ.Client 7.1 (the version MassTransit 8.4 is pinned to) can leave a confirmed
/// publish hanging, or complete it for a message the broker never took, when the connection drops
/// mid-batch (rabbitmq-dotnet-client #1928/#1930; reproduced by ForwardingTests). So this publisher
/// owns its connection, never recovers it in place, and after any failure or timeout throws the
/// connection away: confirms are only ever matched on the channel that sent the messages.
///
/// Messages are in MassTransit's raw JSON form (exchange per event type named by its stable name,
/// <c>MT-MessageType</c> header, <c>application/json</c> body), so MassTransit consumers receive them as usual.
/// </summary>
public sealed class RabbitMqEventPublisher(Uri amqp, string serviceName, EventTypes types, ILogger<RabbitMqEventPublisher> logger)
    : IEventPublisher, IAsyncDisposable
{
    public static readonly ActivitySource ActivitySource = new("Ppid.Forwarder");

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<string> _declared = new(StringComparer.Ordinal);
    private IConnection? _connection;
    private IChannel? _channel;

    /// <summary>A batch not confirmed within this time is abandoned with its connection and retried.</summary>
    public TimeSpan ConfirmTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public async Task PublishAsync(IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var channel = await ChannelAsync(ct);
            foreach (var name in events.Select(e => types.Of(e.Type).Name).Distinct())
            {
                if (_declared.Contains(name)) continue;
                // The same declaration MassTransit makes for a published message type.
                await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
                _declared.Add(name);
            }
            var publishes = new Task[events.Count];
            for (var i = 0; i < events.Count; i++) publishes[i] = PublishOneAsync(channel, events[i], ct);
            await Task.WhenAll(publishes).WaitAsync(ConfirmTimeout, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Publishing {Count} events of {Service} was not confirmed; dropping the connection, the batch will be sent again", events.Count, serviceName);
            await ResetAsync();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task PublishOneAsync(IChannel channel, StoredEvent e, CancellationToken ct)
    {
        var type = types.Of(e.Type);
        var metadata = System.Text.Json.JsonSerializer.Deserialize<EventMetadata>(e.Metadata, EventJson.Options)!;
        // The publish belongs to the trace of the request that appended the event, although it happens later.
        ActivityContext.TryParse(metadata.TraceParent, metadata.TraceState, out var parent);
        using var activity = ActivitySource.StartActivity("forward " + e.Type, ActivityKind.Producer, parent);
        activity?.SetTag("ppid.service", serviceName);
        activity?.SetTag("ppid.tenant", e.Tenant);
        activity?.SetTag("ppid.stream", e.StreamId);
        activity?.SetTag("ppid.event_type", e.Type);
        activity?.SetTag("ppid.position", e.GlobalPosition);

        var headers = new Dictionary<string, object?>
        {
            [MessageHeaders.MessageType] = MessageUrn.ForTypeString(type.ClrType),
            [WireHeaders.EventId] = e.EventId.ToString("D"),
            [WireHeaders.Type] = e.Type,
            [WireHeaders.SchemaVersion] = e.SchemaVersion.ToString(CultureInfo.InvariantCulture),
            [WireHeaders.StreamId] = e.StreamId,
            [WireHeaders.StreamVersion] = e.StreamVersion.ToString(CultureInfo.InvariantCulture),
            [WireHeaders.Position] = e.GlobalPosition.ToString(CultureInfo.InvariantCulture),
            [WireHeaders.TransactionId] = e.TransactionId.ToString(CultureInfo.InvariantCulture),
            [WireHeaders.Tenant] = e.Tenant,
            [WireHeaders.RecordedAt] = e.RecordedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            [WireHeaders.Hash] = Convert.ToHexStringLower(e.Hash),
            [WireHeaders.Metadata] = e.Metadata,
            [WireHeaders.SourceService] = serviceName,
        };
        if (metadata.CorrelationId is not null) headers[WireHeaders.CorrelationId] = metadata.CorrelationId;
        if (metadata.CausationId is not null) headers[WireHeaders.CausationId] = metadata.CausationId;
        if (activity is not null) headers[WireHeaders.TraceParent] = activity.Id;
        else if (metadata.TraceParent is not null) headers[WireHeaders.TraceParent] = metadata.TraceParent;

        var properties = new BasicProperties
        {
            MessageId = e.EventId.ToString("D"),
            CorrelationId = metadata.CorrelationId,
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            Headers = headers,
        };
        try
        {
            await channel.BasicPublishAsync(type.Name, routingKey: "", mandatory: false, basicProperties: properties,
                body: Encoding.UTF8.GetBytes(e.Data), cancellationToken: ct);
        }
        catch (Exception failure)
        {
            // Not confirmed (nacked, channel closed, timed out): the batch goes again, and the trace shows this attempt failed.
            activity?.SetStatus(ActivityStatusCode.Error, failure.Message);
            throw;
        }
    }

    private async Task<IChannel> ChannelAsync(CancellationToken ct)
    {
        if (_channel is { IsOpen: true } open) return open;
        await ResetAsync();
        var factory = new ConnectionFactory
        {
            Uri = amqp,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
            ClientProvidedName = $"ppid-forwarder:{serviceName}",
        };
        _connection = await factory.CreateConnectionAsync(ct);
        _channel = await _connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
        return _channel;
    }

    private async Task ResetAsync()
    {
        _declared.Clear();
        var (channel, connection) = (_channel, _connection);
        (_channel, _connection) = (null, null);
        // Abandon, don't wait: a broken connection may never answer a close.
        try { if (channel is not null) await channel.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception e) { logger.LogDebug(e, "Closing the publish channel failed"); }
        try { if (connection is not null) await connection.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception e) { logger.LogDebug(e, "Closing the publish connection failed"); }
    }

    public async ValueTask DisposeAsync()
    {
        await ResetAsync();
        _gate.Dispose();
    }
}
