namespace Ppid.Platform.Messaging;

/// <summary>
/// Headers every forwarded event carries on RabbitMQ. The body is the stored JSON of the event,
/// byte for byte as PostgreSQL returns it, so a receiver can recompute the event's hash.
/// </summary>
public static class WireHeaders
{
    public const string EventId = "ppid-event-id";
    public const string Type = "ppid-type";
    public const string SchemaVersion = "ppid-schema-version";
    public const string StreamId = "ppid-stream-id";
    public const string StreamVersion = "ppid-stream-version";
    public const string Position = "ppid-position";
    public const string TransactionId = "ppid-transaction-id";
    public const string Tenant = "ppid-tenant";
    public const string RecordedAt = "ppid-recorded-at";
    public const string Hash = "ppid-hash";
    public const string Metadata = "ppid-metadata";
    public const string SourceService = "ppid-source-service";
    public const string CorrelationId = "ppid-correlation-id";
    public const string CausationId = "ppid-causation-id";
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";
}
