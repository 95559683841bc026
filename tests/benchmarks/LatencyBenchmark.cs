using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Messaging;
using Ppid.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Ppid.Benchmarks;

/// <summary>Stamps the moment the platform's inbox consumer hands each event to the service's handler.</summary>
internal sealed class TimingHandler : IEventHandler
{
    public ConcurrentDictionary<Guid, long> Received { get; } = new();

    public async Task HandleAsync(IncomingEvent e, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        Received.TryAdd(e.EventId, Stopwatch.GetTimestamp());
        // A small effect, as a real handler has.
        await using var cmd = new NpgsqlCommand("insert into effects (event_id, stream_id, stream_version) values ($1, $2, $3)", connection, transaction);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = e.EventId });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.StreamId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

internal sealed record PathLatency(Distribution ToHandler, Distribution ToConsume, IReadOnlyList<(string Segment, Distribution Values)> Breakdown, int Lost)
{
    public ExternalTransactions? External { get; init; }
}

/// <summary>Write transactions open in other databases of the cluster, sampled while latency was measured.</summary>
internal sealed record ExternalTransactions(int Samples, int SamplesWithAny, Distribution OldestAgeMs)
{
    public double Share => Samples == 0 ? double.NaN : (double)SamplesWithAny / Samples;
}

/// <summary>
/// Samples pg_stat_activity every 100 ms on its own connection: is a transaction that holds a transaction id
/// open in a database other than the benchmark's, and for how long has the oldest been open?
/// </summary>
internal sealed class ExternalTransactionSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<ExternalTransactions> _run;

    private ExternalTransactionSampler(string[] ours) => _run = RunAsync(ours, _stop.Token);

    public static ExternalTransactionSampler Start(string[] ours) => new(ours);

    public async Task<ExternalTransactions> StopAsync()
    {
        await _stop.CancelAsync();
        return await _run;
    }

    private static async Task<ExternalTransactions> RunAsync(string[] ours, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(TestInfrastructure.Postgres) { Database = "postgres", Pooling = false }.ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        var samples = 0;
        var ages = new List<double>();
        while (!ct.IsCancellationRequested)
        {
            await using (var cmd = new NpgsqlCommand(
                """
                select extract(epoch from max(clock_timestamp() - xact_start)) * 1000
                  from pg_stat_activity
                 where backend_xid is not null and pid <> pg_backend_pid() and not (datname = any($1))
                """, connection))
            {
                cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ours });
                var age = await cmd.ExecuteScalarAsync(CancellationToken.None);
                samples++;
                if (age is not null and not DBNull) ages.Add(Convert.ToDouble(age, CultureInfo.InvariantCulture));
            }
            try { await Task.Delay(100, ct); } catch (OperationCanceledException) { break; }
        }
        return new ExternalTransactions(samples, ages.Count, new Distribution(ages));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        try { await _run; } catch (NpgsqlException) { }
        _stop.Dispose();
    }
}

internal sealed record PlatformLatency(PathLatency Clean, PathLatency Disturbed);

internal sealed record LatencyResults(
    int Events,
    int WarmupEvents,
    TimeSpan Pause,
    PathLatency Platform,
    PathLatency WithInterference,
    int InterferenceEvents,
    TimeSpan InterferenceTransaction,
    Distribution RawPublishToConsume,
    Distribution RawPublishToConfirm);

/// <summary>
/// Commit-to-consumer latency through the platform (EventStore.AppendAsync, EventNotifications,
/// Forwarder + RabbitMqEventPublisher, RabbitMQ quorum queue, MassTransit + InboxConsumer), one event
/// at a time with a pause between, so it measures latency rather than throughput; and, in the same
/// run, raw RabbitMQ.Client publish-with-confirm to consume on a quorum queue.
/// The source service and the consumer each have their own database, as two services would.
/// </summary>
internal sealed class LatencyBenchmark(BenchOptions options, Action<string> log)
{
    private readonly EventTypes _types = Sample.Types();

    public async Task<LatencyResults> RunAsync()
    {
        var platform = await PlatformAsync();
        var (rawConsume, rawConfirm) = await RawRabbitAsync();
        return new LatencyResults(options.LatencyEvents, options.LatencyWarmupEvents, options.LatencyPause,
            platform.Clean, platform.Disturbed, options.InterferenceEvents, InterferenceTransaction, rawConsume, rawConfirm);
    }

    private async Task<PlatformLatency> PlatformAsync()
    {
        await using var source = await BenchDatabase.CreateAsync("ppid_bench_lat_src");
        await using var target = await BenchDatabase.CreateAsync("ppid_bench_lat_dst");
        await target.ExecuteAsync("create table effects (id bigserial primary key, event_id uuid not null, stream_id text not null, stream_version bigint not null)");
        await using var vhost = await RabbitVhost.CreateAsync("ppid_bench_lat");

        using var logging = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(c => c.SingleLine = true));
        await using var notifications = new EventNotifications(source.DataSource, logging.CreateLogger<EventNotifications>());
        notifications.Start();
        var store = new EventStore(source.DataSource, _types, TimeProvider.System, notifications: notifications);
        var consumerStore = new EventStore(target.DataSource, _types, TimeProvider.System);

        var handler = new TimingHandler();
        var services = new ServiceCollection();
        services.AddSingleton(consumerStore);
        services.AddSingleton(handler);
        services.AddSingleton(logging);
        services.AddLogging();
        await using var provider = services.BuildServiceProvider();
        var subscription = new Subscription("bench.latency", typeof(TimingHandler), [Sample.StreamType]);
        MassTransit.LogContext.ConfigureCurrentLogContext(logging); // before the bus is built: it keeps the context it was built in
        var bus = BusConfiguration.CreateBus(vhost.Uri, provider, _types, [subscription]);
        using (var startTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            await bus.StartAsync(startTimeout.Token);

        // Where the time goes: the platform's own activities, stamped on the same Stopwatch clock.
        var segments = new SegmentRecorder();
        using var listener = segments.Listen();

        await using var publisher = new RabbitMqEventPublisher(vhost.Uri, "bench", _types, logging.CreateLogger<RabbitMqEventPublisher>());
        var forwarder = new Forwarder(store, publisher, new ForwarderOptions { ServiceName = "bench" }, logging.CreateLogger<Forwarder>(), notifications);
        await forwarder.StartAsync(CancellationToken.None);
        try
        {
            var streamNo = 0;
            var version = 10L;
            var streamId = "";
            // Appends `count` events one at a time; returns when each returned, keyed by event id.
            async Task<Dictionary<Guid, (long At, long Position)>> AppendAsync(int count)
            {
                var appended = new Dictionary<Guid, (long At, long Position)>();
                for (var i = 0; i < count; i++)
                {
                    if (version == 10) { streamId = $"item-lat-{streamNo++:D6}"; version = 0; }
                    version++;
                    var id = Guid.CreateVersion7();
                    var result = await store.AppendAsync(streamId, Sample.StreamType, Sample.Expected(version),
                        [new EventData(Sample.Event(streamId, version), id)], Sample.Metadata());
                    appended[id] = (Stopwatch.GetTimestamp(), result.Events[0].GlobalPosition);
                    await Task.Delay(options.LatencyPause);
                }
                await WaitForAsync(() => appended.Keys.All(handler.Received.ContainsKey), TimeSpan.FromSeconds(60));
                return appended;
            }

            await AppendAsync(options.LatencyWarmupEvents);
            var ours = new[] { source.Database.Name, target.Database.Name };
            Dictionary<Guid, (long At, long Position)> measured;
            ExternalTransactions cleanExternal;
            await using (var sampler = ExternalTransactionSampler.Start(ours))
            {
                measured = await AppendAsync(options.LatencyEvents);
                cleanExternal = await sampler.StopAsync();
            }
            var clean = Analyse(measured, handler, segments) with { External = cleanExternal };
            log($"latency platform: {clean.ToHandler.Count} events, p50 {Format.Ms(clean.ToHandler.P50)} ms, lost {clean.Lost}");

            // The same, while a transaction in another database of the cluster is always open.
            await using var other = await BenchDatabase.CreateAsync("ppid_bench_lat_other");
            using var stopInterference = new CancellationTokenSource();
            var interference = InterfereAsync(other, stopInterference.Token);
            PathLatency disturbed;
            await using (var sampler = ExternalTransactionSampler.Start(ours))
            {
                var appended = await AppendAsync(options.InterferenceEvents);
                disturbed = Analyse(appended, handler, segments) with { External = await sampler.StopAsync() };
            }
            await stopInterference.CancelAsync();
            await interference;
            log($"latency platform with another database's {InterferenceTransaction.TotalMilliseconds} ms transactions: p50 {Format.Ms(disturbed.ToHandler.P50)} ms");
            return new PlatformLatency(clean, disturbed);
        }
        finally
        {
            await forwarder.StopAsync(CancellationToken.None);
            await bus.StopAsync();
        }
    }

    private async Task<(Distribution ToConsume, Distribution ToConfirm)> RawRabbitAsync()
    {
        await using var vhost = await RabbitVhost.CreateAsync("ppid_bench_raw");
        var factory = new ConnectionFactory { Uri = vhost.Uri, ClientProvidedName = "bench-raw" };
        await using var consumerConnection = await factory.CreateConnectionAsync();
        await using var consumerChannel = await consumerConnection.CreateChannelAsync();
        await using var publisherConnection = await factory.CreateConnectionAsync();
        await using var publisherChannel = await publisherConnection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

        // The same topology the platform gets: a durable fanout exchange into a durable quorum queue.
        const string name = "bench.raw";
        await publisherChannel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false);
        await publisherChannel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        await publisherChannel.QueueBindAsync(name, name, "");

        var received = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        await consumerChannel.BasicQosAsync(0, 64, false);
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            received.TryAdd(delivery.BasicProperties.MessageId ?? "", Stopwatch.GetTimestamp());
            await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await consumerChannel.BasicConsumeAsync(name, autoAck: false, consumer);

        var toConsume = new List<double>();
        var toConfirm = new List<double>();
        var sent = new List<(string Id, long At)>();
        var total = options.LatencyWarmupEvents + options.LatencyEvents;
        for (var i = 0; i < total; i++)
        {
            // A body and headers of the size the forwarder sends.
            var id = Guid.CreateVersion7().ToString("D");
            var streamId = $"item-raw-{i / 10:D6}";
            var body = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(Sample.Event(streamId, i % 10 + 1), EventJson.Options));
            var properties = new BasicProperties
            {
                MessageId = id,
                ContentType = "application/json",
                DeliveryMode = DeliveryModes.Persistent,
                Headers = RawHeaders(id, streamId, i),
            };
            var start = Stopwatch.GetTimestamp();
            await publisherChannel.BasicPublishAsync(name, "", mandatory: false, basicProperties: properties, body: body);
            var confirmed = Stopwatch.GetTimestamp();
            if (i >= options.LatencyWarmupEvents)
            {
                sent.Add((id, start));
                toConfirm.Add(Ms(start, confirmed));
            }
            await Task.Delay(options.LatencyPause);
        }
        await WaitForAsync(() => sent.All(s => received.ContainsKey(s.Id)), TimeSpan.FromSeconds(60));
        foreach (var (id, at) in sent)
            if (received.TryGetValue(id, out var t)) toConsume.Add(Ms(at, t));
        log($"latency raw rabbitmq: {toConsume.Count} messages, p50 {Format.Ms(new Distribution(toConsume).P50)} ms");
        return (new Distribution(toConsume), new Distribution(toConfirm));
    }

    public static readonly TimeSpan InterferenceTransaction = TimeSpan.FromMilliseconds(50);

    /// <summary>Back-to-back write transactions (they take a transaction id) of 50 ms each, in another database.</summary>
    private static async Task InterfereAsync(BenchDatabase other, CancellationToken ct)
    {
        await using var connection = await other.DataSource.OpenConnectionAsync(CancellationToken.None);
        while (!ct.IsCancellationRequested)
        {
            await using var tx = await connection.BeginTransactionAsync(CancellationToken.None);
            await using (var cmd = new NpgsqlCommand($"select pg_current_xact_id(); select pg_sleep({InterferenceTransaction.TotalSeconds.ToString(CultureInfo.InvariantCulture)})", connection, tx))
                await cmd.ExecuteNonQueryAsync(CancellationToken.None);
            await tx.CommitAsync(CancellationToken.None);
        }
    }

    private static PathLatency Analyse(Dictionary<Guid, (long At, long Position)> appended, TimingHandler handler, SegmentRecorder segments)
    {
        var toHandler = new List<double>();
        var toConsume = new List<double>();
        var readAndWake = new List<double>();
        var publishConfirm = new List<double>();
        var brokerDeliver = new List<double>();
        var inbox = new List<double>();
        var lost = 0;
        foreach (var (id, (at, position)) in appended)
        {
            if (!handler.Received.TryGetValue(id, out var received)) { lost++; continue; }
            toHandler.Add(Ms(at, received));
            var forward = segments.Forward.GetValueOrDefault(position);
            var consume = segments.Consume.GetValueOrDefault(position);
            if (consume.Start != 0)
            {
                toConsume.Add(Ms(at, consume.Start));
                inbox.Add(Ms(consume.Start, received));
            }
            if (forward.Start != 0)
            {
                readAndWake.Add(Ms(at, forward.Start));
                publishConfirm.Add(Ms(forward.Start, forward.Stop));
                if (consume.Start != 0) brokerDeliver.Add(Ms(forward.Start, consume.Start));
            }
        }
        List<(string, Distribution)> breakdown =
        [
            ("append returned → forwarder starts publishing it (wake-up + `ReadAllAsync`)", new(readAndWake)),
            ("forwarder publish → broker confirm (`RabbitMqEventPublisher`)", new(publishConfirm)),
            ("forwarder publish → MassTransit consumer entered (broker + MassTransit)", new(brokerDeliver)),
            ("consumer entered → handler called (`InboxConsumer`: connection, inbox rows)", new(inbox)),
        ];
        return new PathLatency(new Distribution(toHandler), new Distribution(toConsume), breakdown, lost);
    }

    private static Dictionary<string, object?> RawHeaders(string id, string streamId, int i) => new()
    {
        ["MT-MessageType"] = "urn:message:bench.item-revised.v1",
        [WireHeaders.EventId] = id,
        [WireHeaders.Type] = "bench.item-revised.v1",
        [WireHeaders.SchemaVersion] = "1",
        [WireHeaders.StreamId] = streamId,
        [WireHeaders.StreamVersion] = (i % 10 + 1).ToString(CultureInfo.InvariantCulture),
        [WireHeaders.Position] = i.ToString(CultureInfo.InvariantCulture),
        [WireHeaders.TransactionId] = (1000 + i).ToString(CultureInfo.InvariantCulture),
        [WireHeaders.Tenant] = Sample.Tenant,
        [WireHeaders.RecordedAt] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        [WireHeaders.Hash] = new string('a', 64),
        [WireHeaders.Metadata] = System.Text.Json.JsonSerializer.Serialize(Sample.Metadata(), EventJson.Options),
        [WireHeaders.SourceService] = "bench",
    };

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition() && Stopwatch.GetTimestamp() < deadline) await Task.Delay(5);
    }

    /// <summary>
    /// Listens to the platform's activities (forwarder publish, inbox consume) and keeps, per global
    /// position, when each started and stopped on the Stopwatch clock (stop stamped in the callback,
    /// start = stop - duration).
    /// </summary>
    private sealed class SegmentRecorder
    {
        public ConcurrentDictionary<long, (long Start, long Stop)> Forward { get; } = new();
        public ConcurrentDictionary<long, (long Start, long Stop)> Consume { get; } = new();

        public ActivityListener Listen()
        {
            var listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name is "Ppid.Forwarder" or "Ppid.Consumer",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = Stopped,
            };
            ActivitySource.AddActivityListener(listener);
            return listener;
        }

        private void Stopped(Activity activity)
        {
            var stop = Stopwatch.GetTimestamp();
            if (activity.GetTagItem("ppid.position") is not long position) return;
            var start = stop - (long)(activity.Duration.TotalSeconds * Stopwatch.Frequency);
            if (activity.Source.Name == "Ppid.Forwarder") Forward.TryAdd(position, (start, stop));
            else Consume.TryAdd(position, (start, stop));
        }
    }
}
