using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Messaging;
using Ppid.Platform.Telemetry;
using Ppid.Platform.Tests.Messaging;
using Ppid.Testing;

namespace Ppid.Platform.Tests.Telemetry;

/// <summary>The suite's counters are process-wide: these tests run alone so that what they count is theirs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}

/// <summary>Collects every measurement of the suite's meters while it lives.</summary>
internal sealed class Measurements : IDisposable
{
    private readonly MeterListener _listener = new();

    public ConcurrentBag<(string Instrument, double Value, Dictionary<string, object?> Tags)> All { get; } = [];

    public Measurements()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("Ppid.", StringComparison.Ordinal)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _listener.Start();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags) map[tag.Key] = tag.Value;
        All.Add((instrument.Name, value, map));
    }

    /// <summary>Asks every observable gauge for its value now.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public double Sum(string instrument, string? tag = null, object? value = null) =>
        All.Where(m => m.Instrument == instrument && (tag is null || Equals(m.Tags.GetValueOrDefault(tag), value))).Sum(m => m.Value);

    public double Last(string instrument, string? tag = null, object? value = null) =>
        All.Where(m => m.Instrument == instrument && (tag is null || Equals(m.Tags.GetValueOrDefault(tag), value))).Select(m => m.Value).DefaultIfEmpty(double.NaN).Last();

    public void Dispose() => _listener.Dispose();
}

/// <summary>The clock of an event store whose events were recorded some time ago.</summary>
internal sealed class EarlierClock(TimeSpan behind) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() - behind;
}

/// <summary>The forwarding fixture under names of its own: the counts below would take in another fixture's consumer "test.effects" otherwise.</summary>
public sealed class TelemetryForwardingFixture() : ForwardingFixture("telemetry");

[Collection(MetricsCollection.Name)]
public sealed class TelemetryTests(TelemetryForwardingFixture f) : IClassFixture<TelemetryForwardingFixture>
{
    [Fact]
    public async Task An_append_counts_each_event_by_type_and_records_its_duration()
    {
        using var measurements = new Measurements();
        var stream = $"account-{Guid.NewGuid():N}";
        await f.Store.AppendAsync(stream, "test.account", ExpectedVersion.NoStream,
            [new(new AccountOpened(stream, "Budi", DateTimeOffset.UtcNow)), new(new MoneyDeposited(stream, 5)), new(new MoneyDeposited(stream, 7))], Meta.For());

        measurements.Sum("ppid.event_store.appended", "ppid.event_type", "test.money-deposited.v1").ShouldBe(2);
        measurements.Sum("ppid.event_store.appended", "ppid.event_type", "test.account-opened.v1").ShouldBe(1);
        measurements.All.Count(m => m.Instrument == "ppid.event_store.append.duration").ShouldBe(1, "one append, one duration");
    }

    [Fact]
    public async Task The_forwarder_lag_gauges_show_unforwarded_events_and_readiness_fails_beyond_the_threshold_until_they_are_forwarded()
    {
        await using var vhost = await RabbitVhost.CreateAsync("ppid_lag");
        var db = new EventStoreDatabase();
        await db.InitializeAsync();
        await using var _ = db.Database;
        // Recorded five minutes ago and not forwarded since (no forwarder runs yet).
        var store = db.Store(new EarlierClock(TimeSpan.FromMinutes(5)));
        var stream = $"account-{Guid.NewGuid():N}";
        await store.AppendAsync(stream, "test.account", ExpectedVersion.Any, [new(new MoneyDeposited(stream, 1)), new(new MoneyDeposited(stream, 2)), new(new MoneyDeposited(stream, 3))], Meta.For());

        await using var gauges = new OperationalGauges(db.DataSource, "forwarder:lagging", amqp: null, queues: []);
        var check = new ForwarderLagCheck(gauges, TimeSpan.FromSeconds(60));
        using (var measurements = new Measurements())
        {
            await gauges.SampleAsync(CancellationToken.None);
            measurements.Observe();
            measurements.Last("ppid.forwarder.lag.events").ShouldBe(3);
            measurements.Last("ppid.forwarder.lag.seconds").ShouldBeGreaterThan(290);
        }
        var lagging = await check.CheckHealthAsync(new HealthCheckContext());
        lagging.Status.ShouldBe(HealthStatus.Unhealthy);
        lagging.Description!.ShouldContain("3 event(s) not forwarded");

        await using var publisher = new RabbitMqEventPublisher(vhost.Uri, "lagging", db.Types, NullLogger<RabbitMqEventPublisher>.Instance);
        var forwarder = new Forwarder(store, publisher, new ForwarderOptions { ServiceName = "lagging", FallbackPoll = TimeSpan.FromMilliseconds(100) }, NullLogger<Forwarder>.Instance);
        await forwarder.StartAsync(CancellationToken.None);
        try
        {
            await Poll.UntilAsync(async () => (await gauges.ForwarderLagAsync(CancellationToken.None)).Events == 0, TimeSpan.FromSeconds(30));
        }
        finally
        {
            await forwarder.StopAsync(CancellationToken.None);
        }

        using (var measurements = new Measurements())
        {
            await gauges.SampleAsync(CancellationToken.None);
            measurements.Observe();
            measurements.Last("ppid.forwarder.lag.events").ShouldBe(0);
            measurements.Last("ppid.forwarder.lag.seconds").ShouldBe(0);
        }
        (await check.CheckHealthAsync(new HealthCheckContext())).Status.ShouldBe(HealthStatus.Healthy);
    }

    [Fact]
    public async Task An_event_is_counted_once_forwarded_and_once_applied_and_its_redelivery_as_a_duplicate_dropped_by_the_inbox()
    {
        using var measurements = new Measurements();
        var stream = $"account-{Guid.NewGuid():N}";
        var appended = await f.Store.AppendAsync(stream, "test.account", ExpectedVersion.Any, [new(new MoneyDeposited(stream, 1))], Meta.For());
        var eventId = appended.Events[0].EventId;
        await WaitUntilAsync(async () => (await f.EffectsAsync()).Any(e => e.EventId == eventId));
        measurements.Sum("ppid.forwarder.forwarded", "ppid.service", f.Service).ShouldBe(1);
        measurements.Sum("ppid.consumer.applied", "ppid.consumer", f.EffectsQueue).ShouldBe(1);
        measurements.All.Count(m => m.Instrument == "ppid.consumer.delay" && Equals(m.Tags.GetValueOrDefault("ppid.consumer"), f.EffectsQueue)).ShouldBe(1);
        measurements.Sum("ppid.inbox.duplicates_dropped", "ppid.consumer", f.EffectsQueue).ShouldBe(0);

        var stored = (await f.Store.ReadStreamAsync(stream)).Single().Stored;
        await using (var publisher = f.NewPublisher()) await publisher.PublishAsync([stored], CancellationToken.None);
        await WaitUntilAsync(() => Task.FromResult(measurements.Sum("ppid.inbox.duplicates_dropped", "ppid.consumer", f.EffectsQueue) > 0));

        measurements.Sum("ppid.inbox.duplicates_dropped", "ppid.consumer", f.EffectsQueue).ShouldBe(1);
        (await f.EffectsAsync()).Count(e => e.EventId == eventId).ShouldBe(1, "the redelivery changed nothing");
    }

    [Fact]
    public async Task The_error_queue_gauge_counts_messages_an_operator_must_look_at_and_a_missing_queue_is_empty()
    {
        var stream = $"account-{Guid.NewGuid():N}";
        await f.Store.AppendAsync(stream, "test.account", ExpectedVersion.Any, [new(new MoneyDeposited(stream, 1, RecordingHandler.Poison))], Meta.For());
        await WaitUntilAsync(async () => await f.Vhost.QueueDepthAsync(f.ImpatientQueue + "_error") > 0);
        var errors = await f.Vhost.QueueDepthAsync(f.ImpatientQueue + "_error");

        await using var gauges = new OperationalGauges(f.Db.DataSource, "forwarder:" + f.Service, f.Vhost.Uri, [f.ImpatientQueue, "test.never-declared"]);
        using var measurements = new Measurements();
        await gauges.SampleAsync(CancellationToken.None);
        measurements.Observe();

        measurements.Last("ppid.consumer.error_queue.depth", "ppid.queue", f.ImpatientQueue).ShouldBe(errors);
        measurements.Last("ppid.consumer.error_queue.depth", "ppid.queue", "test.never-declared").ShouldBe(0);
        measurements.Last("ppid.consumer.queue.depth", "ppid.queue", "test.never-declared").ShouldBe(0);
        measurements.Last("ppid.database.oldest_transaction.age").ShouldBeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public async Task With_the_broker_unreachable_readiness_fails_once_the_lag_passes_the_threshold_and_returns_when_the_events_are_forwarded()
    {
        await using var gauges = new OperationalGauges(f.Db.DataSource, "forwarder:" + f.Service, amqp: null, queues: []);
        var check = new ForwarderLagCheck(gauges, TimeSpan.FromSeconds(1));
        async Task<HealthStatus> StatusAsync() => (await check.CheckHealthAsync(new HealthCheckContext())).Status;
        await WaitUntilAsync(async () => await StatusAsync() == HealthStatus.Healthy);
        (await StatusAsync()).ShouldBe(HealthStatus.Healthy, "nothing waits before the outage");

        await f.Vhost.SetMaxConnectionsAsync(0);
        await f.Vhost.CloseAllConnectionsAsync();
        try
        {
            var stream = $"account-{Guid.NewGuid():N}";
            await f.Store.AppendAsync(stream, "test.account", ExpectedVersion.Any, [new(new MoneyDeposited(stream, 1))], Meta.For());
            await WaitUntilAsync(async () => await StatusAsync() == HealthStatus.Unhealthy);
            var lagging = await check.CheckHealthAsync(new HealthCheckContext());
            lagging.Status.ShouldBe(HealthStatus.Unhealthy);
            lagging.Description!.ShouldContain("1 event(s) not forwarded");
        }
        finally
        {
            await f.Vhost.SetMaxConnectionsAsync(null);
        }
        await WaitUntilAsync(async () => await StatusAsync() == HealthStatus.Healthy);
        (await StatusAsync()).ShouldBe(HealthStatus.Healthy, "the forwarder caught up once the broker was back");
    }

    private static Task<bool> WaitUntilAsync(Func<Task<bool>> condition) => Poll.UntilAsync(condition, TimeSpan.FromSeconds(60));
}
