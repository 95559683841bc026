using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Messaging;
using Ppid.Platform.Projections;
using Ppid.Platform.Telemetry;
using Ppid.Testing;

namespace Ppid.Platform.Tests.Messaging;

/// <summary>Records every applied event as a row: exactly-once shows as exactly one row per event id.</summary>
public sealed class RecordingHandler : IEventHandler
{
    public ConcurrentQueue<IncomingEvent> Received { get; } = new();

    /// <summary>Events whose note is this always fail: a poison message.</summary>
    public const string Poison = "poison";

    public async Task HandleAsync(IncomingEvent e, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        Received.Enqueue(e);
        if (e.Data is MoneyDeposited { Note: Poison }) return; // only the impatient subscription chokes on it
        await using var cmd = new NpgsqlCommand("insert into effects (event_id, stream_id, stream_version) values ($1, $2, $3)", connection, transaction);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = e.EventId });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.StreamId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>Fails on poison events only; counts every attempt.</summary>
public sealed class ImpatientHandler : IEventHandler
{
    public ConcurrentQueue<Guid> Attempts { get; } = new();

    public Task HandleAsync(IncomingEvent e, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        Attempts.Enqueue(e.EventId);
        return e.Data is MoneyDeposited { Note: RecordingHandler.Poison }
            ? throw new InvalidOperationException("This deposit can never be applied.")
            : Task.CompletedTask;
    }
}

/// <summary>One database and one vhost: a service's event store, its forwarder and a consumer of its events.</summary>
public class ForwardingFixture : IAsyncLifetime
{
    public ForwardingFixture() : this("test") { }

    /// <summary>
    /// <paramref name="service"/> names the forwarder and prefixes the queues. Metrics are process-wide
    /// and tagged with these names, so a test that counts measurements needs names no other fixture of
    /// the test run uses at the same time.
    /// </summary>
    protected ForwardingFixture(string service) => Service = service;

    /// <summary>The forwarding service's name ("test" by default); the queues are <c>{Service}.effects</c> and <c>{Service}.impatient</c>.</summary>
    public string Service { get; }
    public string EffectsQueue => Service + ".effects";
    public string ImpatientQueue => Service + ".impatient";

    public EventStoreDatabase Db { get; } = new();
    public RabbitVhost Vhost { get; private set; } = null!;
    public EventStore Store { get; private set; } = null!;
    public EventNotifications Notifications { get; private set; } = null!;
    public RecordingHandler Handler { get; } = new();
    public ImpatientHandler Impatient { get; } = new();
    public Forwarder Forwarder { get; private set; } = null!;
    private ServiceProvider _services = null!;
    private ConsumerBus _consumers = null!;
    private RabbitMqEventPublisher _publisher = null!;
    private BusWatchdog _watchdog = null!;

    public async Task InitializeAsync()
    {
        await Db.InitializeAsync();
        Vhost = await RabbitVhost.CreateAsync("ppid_fwd");
        await using (var cmd = Db.DataSource.CreateCommand("create table effects (id bigserial primary key, event_id uuid not null, stream_id text not null, stream_version bigint not null)"))
            await cmd.ExecuteNonQueryAsync();

        var logging = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddFilter("MassTransit", LogLevel.Debug).AddProvider(new FileLoggerProvider(FileLoggerProvider.PathFor("forwarding"))));
        Notifications = new EventNotifications(Db.DataSource, logging.CreateLogger<EventNotifications>());
        Notifications.Start();
        Store = new EventStore(Db.DataSource, Db.Types, TimeProvider.System, notifications: Notifications);

        var services = new ServiceCollection();
        services.AddSingleton(Store);
        services.AddSingleton(Handler);
        services.AddSingleton(Impatient);
        services.AddSingleton<ILoggerFactory>(logging);
        services.AddLogging();
        _services = services.BuildServiceProvider();
        var subscription = new Subscription(EffectsQueue, typeof(RecordingHandler), ["test.account"]);
        // A second queue for the same events with a short retry budget, to see poison messages reach _error quickly.
        var impatient = new Subscription(ImpatientQueue, typeof(ImpatientHandler), ["test.account"]) { RetryLimit = 2 };
        _consumers = new ConsumerBus(() => BusConfiguration.CreateBus(Vhost.Uri, _services, Db.Types, [subscription, impatient]), logging);
        await _consumers.StartAsync(CancellationToken.None);
        await _consumers.WaitUntilStartedAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        if (_consumers.CheckHealth().Status != BusHealthStatus.Healthy)
            throw new InvalidOperationException($"the consumer bus did not start: {_consumers.CheckHealth().Description}");
        _watchdog = new BusWatchdog(_consumers, ct => BrokerProbe.CanConnectAsync(Vhost.Uri, ct), _ => { }, TimeProvider.System, logging.CreateLogger<BusWatchdog>());
        await _watchdog.StartAsync(CancellationToken.None);
        _publisher = new RabbitMqEventPublisher(Vhost.Uri, Service, Db.Types, logging.CreateLogger<RabbitMqEventPublisher>()) { ConfirmTimeout = TimeSpan.FromSeconds(2) };
        Forwarder = new Forwarder(Store, _publisher, new ForwarderOptions { ServiceName = Service }, logging.CreateLogger<Forwarder>(), Notifications);
        await Forwarder.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Forwarder.StopAsync(CancellationToken.None);
        await _publisher.DisposeAsync();
        await _watchdog.StopAsync(CancellationToken.None);
        await _consumers.DisposeAsync();
        await Notifications.DisposeAsync();
        await _services.DisposeAsync();
        await Vhost.DisposeAsync();
        await Db.DisposeAsync();
    }

    public async Task<List<(Guid EventId, string StreamId, long Version)>> EffectsAsync()
    {
        var rows = new List<(Guid, string, long)>();
        await using var cmd = Db.DataSource.CreateCommand("select event_id, stream_id, stream_version from effects order by id");
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetGuid(0), reader.GetString(1), reader.GetInt64(2)));
        return rows;
    }

    public RabbitMqEventPublisher NewPublisher() =>
        new(Vhost.Uri, Service, Db.Types, NullLogger<RabbitMqEventPublisher>.Instance) { ConfirmTimeout = TimeSpan.FromSeconds(2) };

    /// <summary>Whether the forwarder's checkpoint is past every event in commit order (the forwarder-lag gauge's own count, at 0).</summary>
    public async Task<bool> AllForwardedAsync() =>
        (await OperationalGauges.ForwarderLagAsync(Db.DataSource, CheckpointName, CancellationToken.None)).Events == 0;

    private string CheckpointName => new ForwarderOptions { ServiceName = Service }.CheckpointName;

    public Task<GlobalCursor> CheckpointAsync() => AsyncProjectionRunner.ReadCheckpointAsync(Db.DataSource, CheckpointName);
}

public sealed class ForwardingTests(ForwardingFixture f) : IClassFixture<ForwardingFixture>
{
    private async Task<List<AppendResult>> AppendManyAsync(int streams, int eventsPerStream, Func<int, Task>? between = null)
    {
        var results = new ConcurrentBag<AppendResult>();
        var ids = Enumerable.Range(0, streams).Select(i => $"account-{i}-{Guid.NewGuid():N}").ToList();
        for (var v = 1; v <= eventsPerStream; v++)
        {
            await Parallel.ForEachAsync(ids, async (id, ct) =>
                results.Add(await f.Store.AppendAsync(id, "test.account", ExpectedVersion.Any, [new(new MoneyDeposited(id, v))], Meta.For(), ct)));
            if (between is not null) await between(v);
        }
        return results.ToList();
    }

    /// <summary>
    /// Waits until the effects consumer has applied every event of the store (an earlier test's last
    /// events may still be on their way) and the effects stopped changing, so a count taken next is a
    /// true "before".
    /// </summary>
    private async Task QuiesceAsync()
    {
        var last = -1;
        var caughtUp = await Poll.UntilAsync(async () =>
        {
            await using var cmd = f.Db.DataSource.CreateCommand(
                "select count(*) from events e where not exists (select 1 from inbox i where i.consumer = $1 and i.event_id = e.event_id)");
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = f.EffectsQueue });
            var pending = (long)(await cmd.ExecuteScalarAsync())!;
            var count = (await f.EffectsAsync()).Count;
            var stable = pending == 0 && count == last;
            last = pending == 0 ? count : -1;
            return stable;
        }, TimeSpan.FromSeconds(60), every: TimeSpan.FromMilliseconds(200));
        if (!caughtUp) throw new TimeoutException("the effects consumer did not catch up with the store within 60 s");
    }

    // The callers assert on the effects afterwards.
    private Task<bool> WaitForEffectsAsync(int atLeast, TimeSpan timeout) => Poll.UntilAsync(async () => (await f.EffectsAsync()).Count >= atLeast, timeout);

    [Fact]
    public async Task Events_forwarded_while_broker_connections_are_force_closed_arrive_with_exactly_one_effect_each_in_stream_order()
    {
        await QuiesceAsync();
        var before = (await f.EffectsAsync()).Count;
        // Closes land while the forwarder publishes and the consumer consumes.
        var appending = AppendManyAsync(streams: 10, eventsPerStream: 30, between: _ => Task.Delay(100));
        for (var fault = 0; fault < 4 && !appending.IsCompleted; fault++)
        {
            await Task.Delay(300);
            await f.Vhost.CloseAllConnectionsAsync();
        }
        var appended = await appending;

        await WaitForEffectsAsync(before + appended.Count, TimeSpan.FromSeconds(90));
        var effects = (await f.EffectsAsync()).Skip(before).ToList();
        var expected = appended.SelectMany(a => a.Events.Select(e => e.EventId)).ToHashSet();

        effects.Select(e => e.EventId).ShouldBeUnique();
        var missing = appended.SelectMany(a => a.Events.Select(e => (a.StreamId, e.StreamVersion, e.EventId, e.GlobalPosition))).Where(e => !effects.Any(x => x.EventId == e.EventId)).ToList();
        var received = f.Handler.Received.Select(r => r.EventId).ToHashSet();
        effects.Select(e => e.EventId).ToHashSet().SetEquals(expected).ShouldBeTrue(
            $"before {before}; {effects.Count} effects for {expected.Count} events; missing {missing.Count}: " +
            string.Join(" ", missing.OrderBy(m => m.GlobalPosition).Take(12).Select(m => $"v{m.StreamVersion}@{m.GlobalPosition}{(received.Contains(m.EventId) ? "(handled)" : "")}")));
        foreach (var stream in effects.GroupBy(e => e.StreamId))
            stream.Select(e => e.Version).ShouldBe(Enumerable.Range(1, 30).Select(v => (long)v));

        // The checkpoint is written after the broker's confirm, so a consumer can show an effect a
        // moment before the forwarder records it: wait for it, but it must get there. It is a
        // commit-order cursor: with parallel appends the last event committed need not have the
        // highest position, so "past every event" is asked in commit order, not by position.
        (await Poll.UntilAsync(f.AllForwardedAsync, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50)))
            .ShouldBeTrue($"the checkpoint {await f.CheckpointAsync()} is not past every event");
    }

    [Fact]
    public async Task While_the_broker_is_unreachable_the_checkpoint_does_not_move_and_everything_arrives_once_it_is_back()
    {
        await WaitUntilForwardedAsync();
        await QuiesceAsync();
        var checkpointBefore = await f.CheckpointAsync();
        var before = (await f.EffectsAsync()).Count;

        await f.Vhost.SetMaxConnectionsAsync(0);
        await f.Vhost.CloseAllConnectionsAsync();
        try
        {
            var appended = await AppendManyAsync(streams: 5, eventsPerStream: 4);
            var samples = new List<GlobalCursor>();
            for (var i = 0; i < 20; i++)
            {
                samples.Add(await f.CheckpointAsync());
                await Task.Delay(150);
            }
            samples.ShouldAllBe(c => c == checkpointBefore, "the checkpoint moved past events the broker never confirmed");
            (await f.EffectsAsync()).Count.ShouldBe(before);

            await f.Vhost.SetMaxConnectionsAsync(null);
            await WaitForEffectsAsync(before + appended.Count, TimeSpan.FromSeconds(60));
            var effects = (await f.EffectsAsync()).Skip(before).Select(e => e.EventId).ToList();
            effects.ShouldBeUnique();
            effects.ToHashSet().SetEquals(appended.SelectMany(a => a.Events.Select(e => e.EventId))).ShouldBeTrue();
            (await f.CheckpointAsync()).ShouldBeGreaterThan(checkpointBefore);
        }
        finally
        {
            await f.Vhost.SetMaxConnectionsAsync(null);
        }
    }

    [Fact]
    public async Task The_wire_carries_the_stored_json_and_hash_so_a_receiver_can_verify_the_chain()
    {
        var stream = $"account-{Guid.NewGuid():N}";
        var result = await f.Store.AppendAsync(stream, "test.account", ExpectedVersion.NoStream,
            [new(new AccountOpened(stream, "Wayan \"Ω\"", DateTimeOffset.UnixEpoch)), new(new MoneyDeposited(stream, 12.50m, "zakat"))], Meta.For());
        await Poll.UntilAsync(() => Task.FromResult(f.Handler.Received.Count(e => e.StreamId == stream) >= 2), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));

        var received = f.Handler.Received.Where(e => e.StreamId == stream).OrderBy(e => e.StreamVersion).ToList();
        received.Count.ShouldBe(2);
        received[1].Data.ShouldBe(new MoneyDeposited(stream, 12.50m, "zakat"));
        received[0].Metadata.ActorRole.ShouldBe("petugas");
        received.Select(e => e.EventId).ShouldBe(result.Events.Select(e => e.EventId));
        received[0].SourceService.ShouldBe("test");

        var verifier = new IntegrityVerifier.ChainVerifier();
        foreach (var e in received) verifier.Add(e.ToStored());
        var stored = await f.Store.GetStreamAsync(stream);
        var report = verifier.Complete(new Dictionary<string, (long, byte[])> { [stream] = (stored!.Version, stored.LastHash) });
        report.Intact.ShouldBeTrue(report.FirstFailure?.Reason);
    }

    [Fact]
    public async Task When_the_leader_forwarder_dies_the_standby_takes_over_and_nothing_is_lost_or_applied_twice()
    {
        await using var standbyPublisher = f.NewPublisher();
        var standby = new Forwarder(f.Store, standbyPublisher, new ForwarderOptions { ServiceName = "test", StandbyRetry = TimeSpan.FromMilliseconds(200) },
            NullLogger<Forwarder>.Instance, f.Notifications);
        await standby.StartAsync(CancellationToken.None);
        try
        {
            await QuiesceAsync();
            var before = (await f.EffectsAsync()).Count;
            var first = await AppendManyAsync(streams: 3, eventsPerStream: 5);
            f.Forwarder.IsLeader.ShouldBeTrue();
            standby.IsLeader.ShouldBeFalse();

            // The leader's database session dies (a killed process looks the same to PostgreSQL).
            await using (var kill = f.Db.DataSource.CreateCommand(
                "select count(pg_terminate_backend(pid)) from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())"))
                ((long)(await kill.ExecuteScalarAsync())!).ShouldBe(1);
            var second = await AppendManyAsync(streams: 3, eventsPerStream: 5);

            var expected = first.Concat(second).SelectMany(a => a.Events.Select(e => e.EventId)).ToHashSet();
            await WaitForEffectsAsync(before + expected.Count, TimeSpan.FromSeconds(30));
            var effects = (await f.EffectsAsync()).Skip(before).Select(e => e.EventId).ToList();
            effects.ShouldBeUnique();
            effects.ToHashSet().SetEquals(expected).ShouldBeTrue($"{effects.Count} effects for {expected.Count} events");
            // The old leader notices its lost session at its next checkpoint or ping, then stands by.
            await Poll.UntilAsync(() => Task.FromResult(f.Forwarder.IsLeader ^ standby.IsLeader), TimeSpan.FromSeconds(15));
            (f.Forwarder.IsLeader ^ standby.IsLeader).ShouldBeTrue("exactly one forwarder leads after the failover");
        }
        finally
        {
            await standby.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_message_that_keeps_failing_goes_to_the_error_queue_and_the_others_are_applied()
    {
        var stream = $"account-{Guid.NewGuid():N}";
        var poison = await f.Store.AppendAsync(stream + "-p", "test.account", ExpectedVersion.Any, [new(new MoneyDeposited(stream, 1, RecordingHandler.Poison))], Meta.For());
        var healthy = await AppendManyAsync(streams: 2, eventsPerStream: 3);
        var healthyIds = healthy.SelectMany(a => a.Events.Select(e => e.EventId)).ToList();

        await Poll.UntilAsync(async () => await f.Vhost.QueueDepthAsync("test.impatient_error") > 0 && healthyIds.All(f.Impatient.Attempts.Contains),
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));

        (await f.Vhost.QueueDepthAsync("test.impatient_error")).ShouldBe(1);
        f.Impatient.Attempts.Count(id => id == poison.Events[0].EventId).ShouldBe(3, "the first delivery and two retries");
        await using var cmd = f.Db.DataSource.CreateCommand("select count(*) from inbox where consumer = 'test.impatient' and event_id = any($1)");
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. healthyIds, poison.Events[0].EventId] });
        ((long)(await cmd.ExecuteScalarAsync())!).ShouldBe(healthyIds.Count, "every healthy event applied once, the poison one not at all");
    }

    [Fact]
    public async Task Events_that_arrive_ahead_of_their_predecessor_are_parked_then_applied_in_order_with_it()
    {
        // The stream's events come from a store the forwarder does not read, so this test alone decides the order they arrive in.
        var source = new EventStoreDatabase();
        await source.InitializeAsync();
        var stream = $"account-{Guid.NewGuid():N}";
        IReadOnlyList<StoredEvent> events;
        try
        {
            await source.Store().AppendAsync(stream, "test.account", ExpectedVersion.NoStream,
                [new(new MoneyDeposited(stream, 1)), new(new MoneyDeposited(stream, 2)), new(new MoneyDeposited(stream, 3))], Meta.For());
            events = (await source.Store().ReadAllAsync(GlobalCursor.Start, 10)).Events;
        }
        finally
        {
            await source.DisposeAsync();
        }
        events.Select(e => e.StreamVersion).ShouldBe([1L, 2L, 3L]);
        await using var publisher = f.NewPublisher();

        await publisher.PublishAsync([events[2]], CancellationToken.None);
        await publisher.PublishAsync([events[1]], CancellationToken.None);
        await Poll.UntilAsync(async () => (await ParkedAsync(stream)).Count >= 2, TimeSpan.FromSeconds(30), every: TimeSpan.FromMilliseconds(50));
        (await ParkedAsync(stream)).ShouldBe([2L, 3L]);
        (await StreamRowAsync(stream)).ShouldBe((0L, true), "nothing applied yet; the stream is flagged as having parked events");
        (await f.EffectsAsync()).ShouldNotContain(e => e.StreamId == stream);

        await publisher.PublishAsync([events[0]], CancellationToken.None);
        await Poll.UntilAsync(async () => (await f.EffectsAsync()).Count(e => e.StreamId == stream) >= 3, TimeSpan.FromSeconds(30), every: TimeSpan.FromMilliseconds(50));
        (await f.EffectsAsync()).Where(e => e.StreamId == stream).Select(e => e.Version).ShouldBe([1L, 2L, 3L]);
        (await ParkedAsync(stream)).ShouldBeEmpty();
        (await StreamRowAsync(stream)).ShouldBe((3L, false), "all applied, nothing parked any more");

        // A redelivered early event after all that is a duplicate: nothing parked, nothing applied again.
        await publisher.PublishAsync([events[2]], CancellationToken.None);
        await Task.Delay(500);
        (await f.EffectsAsync()).Count(e => e.StreamId == stream).ShouldBe(3);
        (await StreamRowAsync(stream)).ShouldBe((3L, false));
    }

    private async Task<List<long>> ParkedAsync(string stream)
    {
        await using var cmd = f.Db.DataSource.CreateCommand("select stream_version from inbox_parked where consumer = $1 and stream_id = $2 order by 1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = f.EffectsQueue });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        var versions = new List<long>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) versions.Add(reader.GetInt64(0));
        return versions;
    }

    private async Task<(long Version, bool Parked)> StreamRowAsync(string stream)
    {
        await using var cmd = f.Db.DataSource.CreateCommand("select version, parked from inbox_streams where consumer = $1 and stream_id = $2");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = f.EffectsQueue });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        await using var reader = await cmd.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt64(0), reader.GetBoolean(1)) : (-1, false);
    }

    private Task<bool> WaitUntilForwardedAsync() => Poll.UntilAsync(f.AllForwardedAsync, TimeSpan.FromSeconds(10));
}
