using System.Diagnostics.Metrics;

namespace Ppid.Platform.Telemetry;

/// <summary>
/// The suite's own instruments that are recorded where the work happens (appends, forwards,
/// consumes). Gauges that need a query (lags, queue depths, transaction age) are sampled by
/// <see cref="OperationalGauges"/>. Exported by the OpenTelemetry MeterProvider of
/// <c>ServiceDefaults</c> when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class PlatformMetrics
{
    public const string EventStoreMeter = "Ppid.EventStore";
    public const string ForwarderMeter = "Ppid.Forwarder";
    public const string ConsumerMeter = "Ppid.Consumer";
    public const string DatabaseMeter = "Ppid.Database";

    private static readonly Meter EventStore = new(EventStoreMeter);
    private static readonly Meter Forwarder = new(ForwarderMeter);
    private static readonly Meter Consumer = new(ConsumerMeter);

    /// <summary>Events appended (the append rate is its rate); tagged with the event type.</summary>
    public static readonly Counter<long> EventsAppended =
        EventStore.CreateCounter<long>("ppid.event_store.appended", "{event}", "Events appended to the event store");

    /// <summary>Time of one append round trip (with inline projections when they run in it).</summary>
    public static readonly Histogram<double> AppendDuration =
        EventStore.CreateHistogram<double>("ppid.event_store.append.duration", "s", "Duration of one append");

    public static readonly Counter<long> EventsForwarded =
        Forwarder.CreateCounter<long>("ppid.forwarder.forwarded", "{event}", "Events the broker confirmed to the forwarder");

    public static readonly Counter<long> EventsConsumed =
        Consumer.CreateCounter<long>("ppid.consumer.applied", "{event}", "Events applied by a subscription's handler");

    public static readonly Counter<long> DuplicatesDropped =
        Consumer.CreateCounter<long>("ppid.inbox.duplicates_dropped", "{event}", "Events received again and dropped by an inbox");

    public static readonly Counter<long> Parked =
        Consumer.CreateCounter<long>("ppid.inbox.parked", "{event}", "Events that arrived ahead of their stream's next version and waited");

    /// <summary>Consumer lag in seconds: from the event's recording in its source service to its receipt here.</summary>
    public static readonly Histogram<double> ConsumeDelay =
        Consumer.CreateHistogram<double>("ppid.consumer.delay", "s", "Time from an event's append in its source to its receipt by a consumer");
}
