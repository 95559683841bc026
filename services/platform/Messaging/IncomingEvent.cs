using System.Globalization;
using System.Text.Json;
using MassTransit;
using Ppid.Platform.EventSourcing;

namespace Ppid.Platform.Messaging;

/// <summary>An event received from another service (or this one), with everything the wire carried.</summary>
public sealed record IncomingEvent(
    Guid EventId,
    string Type,
    int SchemaVersion,
    string StreamId,
    long StreamVersion,
    long Position,
    ulong TransactionId,
    string Tenant,
    DateTimeOffset RecordedAt,
    byte[] Hash,
    string SourceService,
    string DataJson,
    string MetadataJson,
    object Data,
    EventMetadata Metadata)
{
    /// <summary>The event as its source stored it (for the ledger and hash verification).</summary>
    public StoredEvent ToStored() =>
        new(Position, TransactionId, EventId, StreamId, StreamVersion, Type, SchemaVersion, DataJson, MetadataJson, RecordedAt, Tenant, Hash);

    internal static IncomingEvent From(ConsumeContext context, EventTypes types)
    {
        var h = context.Headers;
        string Required(string name) => h.Get<string>(name)
            ?? throw new InvalidOperationException($"Message {context.MessageId} lacks header '{name}'; it was not sent by a PPID forwarder.");
        var type = Required(WireHeaders.Type);
        var schemaVersion = int.Parse(Required(WireHeaders.SchemaVersion), CultureInfo.InvariantCulture);
        // MessageBody.GetString() of a RabbitMQ body is not its text here: decode the bytes.
        var data = System.Text.Encoding.UTF8.GetString(context.ReceiveContext.Body.GetBytes());
        var metadataJson = Required(WireHeaders.Metadata);
        return new IncomingEvent(
            Guid.Parse(Required(WireHeaders.EventId)),
            type,
            schemaVersion,
            Required(WireHeaders.StreamId),
            long.Parse(Required(WireHeaders.StreamVersion), CultureInfo.InvariantCulture),
            long.Parse(Required(WireHeaders.Position), CultureInfo.InvariantCulture),
            ulong.Parse(Required(WireHeaders.TransactionId), CultureInfo.InvariantCulture),
            Required(WireHeaders.Tenant),
            DateTimeOffset.Parse(Required(WireHeaders.RecordedAt), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            Convert.FromHexString(Required(WireHeaders.Hash)),
            Required(WireHeaders.SourceService),
            data,
            metadataJson,
            types.Deserialize(type, schemaVersion, data),
            JsonSerializer.Deserialize<EventMetadata>(metadataJson, EventJson.Options)!);
    }
}
