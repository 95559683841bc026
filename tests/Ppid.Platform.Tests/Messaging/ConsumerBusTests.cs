using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Messaging;
using Ppid.Testing;

namespace Ppid.Platform.Tests.Messaging;

/// <summary>
/// The watchdog's cure for consumers that cannot recover: a new bus. A bus built on a vhost that does
/// not exist never becomes healthy, the same outward state as the MassTransit hang ConsumerBus
/// describes, while a probe says the broker is reachable.
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
            RestartAfter = TimeSpan.FromSeconds(1),
            GiveUpAfterRebuilds = 2,
        };

    [Fact]
    public async Task A_bus_that_stays_unhealthy_with_the_broker_reachable_is_replaced_by_a_new_one_that_consumes()
    {
        await using var vhost = await RabbitVhost.CreateAsync("ppid_cbus");
        await using var services = Services();
        var subscription = new Subscription("cbus.effects", typeof(ImpatientHandler), ["test.account"]);
        var missing = Missing(vhost.Uri);
        var built = new List<Uri>();
        await using var consumers = new ConsumerBus(() =>
        {
            var uri = built.Count == 0 ? missing : vhost.Uri;
            built.Add(uri);
            return BusConfiguration.CreateBus(uri, services, Types, [subscription]);
        }, NullLoggerFactory.Instance) { StartTimeout = TimeSpan.FromSeconds(10), StopTimeout = TimeSpan.FromSeconds(10) };
        string? gaveUp = null;
        var watchdog = Watchdog(consumers, reason => gaveUp = reason);

        await consumers.StartAsync(CancellationToken.None);
        await watchdog.StartAsync(CancellationToken.None);
        try
        {
            var healthy = await Poll.UntilAsync(() => Task.FromResult(consumers.CheckHealth().Status == BusHealthStatus.Healthy), TimeSpan.FromSeconds(60));
            healthy.ShouldBeTrue($"the consumer bus never turned healthy: {consumers.CheckHealth().Description}; rebuilds {consumers.Rebuilds}, gave up: {gaveUp}");
            consumers.Rebuilds.ShouldBe(1);
            built.ShouldBe([missing, vhost.Uri]);
            gaveUp.ShouldBeNull();
            // The new bus declared its queue on the good vhost and consumes from it.
            (await vhost.QueuesAsync()).Keys.ShouldContain("cbus.effects");
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
