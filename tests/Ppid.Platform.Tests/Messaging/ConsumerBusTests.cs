using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Messaging;
using Ppid.Testing;

namespace Ppid.Platform.Tests.Messaging;

/// <summary>
/// The watchdog's cure for consumers that cannot recover: a new bus. A bus that cannot connect (a
/// vhost that admits no connection, or does not exist) stays unhealthy, the same outward state as
/// the MassTransit hang ConsumerBus describes, while the probe says the broker is reachable.
/// </summary>
public sealed class ConsumerBusTests
{
    private static readonly EventTypes Types = new(EventStoreDatabase.TestEvents);

    private static ServiceProvider Services() => new ServiceCollection().AddSingleton<ImpatientHandler>().AddLogging().BuildServiceProvider();

    private static Uri Missing(Uri good) => new UriBuilder(good) { Path = "/ppid_missing_" + Guid.NewGuid().ToString("N") }.Uri;

    private static BusWatchdog Watchdog(ConsumerBus consumers, Action<string> giveUp) =>
        new(consumers, _ => Task.FromResult(true), giveUp, TimeProvider.System, NullLogger<BusWatchdog>.Instance)
        {
            CheckEvery = TimeSpan.FromMilliseconds(200),
            ReplaceAfter = TimeSpan.FromSeconds(1),
            GiveUpAfterRebuilds = 2,
        };

    [Fact]
    public async Task A_bus_that_stays_unhealthy_with_the_broker_reachable_is_replaced_by_a_new_bus_the_only_consumer_of_its_queue()
    {
        await using var vhost = await RabbitVhost.CreateAsync("ppid_cbus");
        await using var services = Services();
        using var logging = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FileLoggerProvider(FileLoggerProvider.PathFor("consumer-bus"))));
        var subscription = new Subscription("cbus.effects", typeof(ImpatientHandler), ["test.account"]);
        // The vhost admits no connection: the first bus cannot connect and keeps trying.
        await vhost.SetMaxConnectionsAsync(0);
        var built = 0;
        await using var consumers = new ConsumerBus(() =>
        {
            // The second bus is built after the first was stopped: connections are admitted again, so a
            // first bus left running would connect as well and show as a second consumer of the queue.
            if (built++ == 1) vhost.SetMaxConnectionsAsync(null).GetAwaiter().GetResult();
            return BusConfiguration.CreateBus(vhost.Uri, services, Types, [subscription]);
        }, logging) { StartTimeout = TimeSpan.FromSeconds(10), StopTimeout = TimeSpan.FromSeconds(10) };
        string? gaveUp = null;
        var watchdog = Watchdog(consumers, reason => gaveUp = reason);

        await consumers.StartAsync(CancellationToken.None);
        await watchdog.StartAsync(CancellationToken.None);
        try
        {
            var healthy = await Poll.UntilAsync(() => Task.FromResult(consumers.CheckHealth().Status == BusHealthStatus.Healthy), TimeSpan.FromSeconds(60));
            healthy.ShouldBeTrue($"the consumer bus never turned healthy: {consumers.CheckHealth().Description}; rebuilds {consumers.Rebuilds}, gave up: {gaveUp}");
            consumers.Rebuilds.ShouldBe(1);
            built.ShouldBe(2);
            gaveUp.ShouldBeNull();
            (await Poll.UntilAsync(async () => await vhost.ConsumersAsync("cbus.effects") == 1, TimeSpan.FromSeconds(30)))
                .ShouldBeTrue($"the queue has {await vhost.ConsumersAsync("cbus.effects")} consumers, not 1");
            // A first bus left trying would connect at its next retry (MassTransit waits 1 s, then 3, 6 and
            // 12 s between attempts); the management API's consumer count is up to 5 s old.
            await Task.Delay(TimeSpan.FromSeconds(12));
            (await vhost.ConsumersAsync("cbus.effects")).ShouldBe(1);
        }
        finally
        {
            await watchdog.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task When_new_buses_stay_unhealthy_too_the_watchdog_gives_up_so_that_a_supervisor_restarts_the_process()
    {
        await using var vhost = await RabbitVhost.CreateAsync("ppid_cbus");
        await using var services = Services();
        var subscription = new Subscription("cbus.effects", typeof(ImpatientHandler), ["test.account"]);
        await using var consumers = new ConsumerBus(() => BusConfiguration.CreateBus(Missing(vhost.Uri), services, Types, [subscription]), NullLoggerFactory.Instance)
        {
            StartTimeout = TimeSpan.FromSeconds(5),
            StopTimeout = TimeSpan.FromSeconds(5),
        };
        var gaveUp = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watchdog = Watchdog(consumers, reason => gaveUp.TrySetResult(reason));

        await consumers.StartAsync(CancellationToken.None);
        await watchdog.StartAsync(CancellationToken.None);
        try
        {
            var reason = await gaveUp.Task.WaitAsync(TimeSpan.FromSeconds(90));
            reason.ShouldContain("through 2 new buses");
            consumers.Rebuilds.ShouldBe(2);
        }
        finally
        {
            await watchdog.StopAsync(CancellationToken.None);
        }
    }
}
