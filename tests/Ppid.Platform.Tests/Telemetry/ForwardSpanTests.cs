using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Messaging;
using Ppid.Platform.Tests.Messaging;
using Ppid.Testing;

namespace Ppid.Platform.Tests.Telemetry;

/// <summary>A forward span says whether the broker took the event: an operator reading a trace must see the failed attempt.</summary>
public sealed class ForwardSpanTests(ForwardingFixture f) : IClassFixture<ForwardingFixture>
{
    /// <summary>The publishers here forward as this service (the fixture's own forwarder forwards the same event as "test").</summary>
    private const string Service = "span-test";

    [Fact]
    public async Task A_publish_the_broker_refuses_ends_its_forward_span_as_failed_and_a_confirmed_one_does_not()
    {
        var stream = $"account-{Guid.NewGuid():N}";
        var appended = await f.Store.AppendAsync(stream, "test.account", ExpectedVersion.NoStream,
            [new(new AccountOpened(stream, "Made", DateTimeOffset.UnixEpoch))], Meta.For());
        var stored = await FindAsync(appended.Events[0].EventId);

        var sourceName = RabbitMqEventPublisher.ActivitySource.Name; // initialised before the listener asks for it
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == sourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (Equals(a.GetTagItem("ppid.service"), Service)) spans.Add(a); },
        };
        ActivitySource.AddActivityListener(listener);

        // The broker accepts: the span ends without an error.
        await using (var accepting = await RabbitVhost.CreateAsync("ppid_span_ok"))
        await using (var publisher = new RabbitMqEventPublisher(accepting.Uri, Service, f.Db.Types, NullLogger<RabbitMqEventPublisher>.Instance))
            await publisher.PublishAsync([stored], CancellationToken.None);
        spans.ShouldHaveSingleItem().Status.ShouldBe(ActivityStatusCode.Unset);
        spans.Clear();

        // The broker refuses (the user may declare the exchange but not write to it): the span ends as failed.
        await using var refusing = await RabbitVhost.CreateAsync("ppid_span_refused");
        await refusing.SetPermissionsAsync(configure: ".*", write: "^$", read: ".*");
        await using (var publisher = new RabbitMqEventPublisher(refusing.Uri, Service, f.Db.Types, NullLogger<RabbitMqEventPublisher>.Instance) { ConfirmTimeout = TimeSpan.FromSeconds(5) })
            await Should.ThrowAsync<Exception>(() => publisher.PublishAsync([stored], CancellationToken.None));
        var failed = await EventuallyAsync(() => spans.ToList(), s => s.Count > 0);
        failed.ShouldHaveSingleItem().Status.ShouldBe(ActivityStatusCode.Error);
    }

    private async Task<StoredEvent> FindAsync(Guid eventId)
    {
        StoredEvent? found = null;
        await Poll.UntilAsync(async () => (found = (await f.Store.ReadAllAsync(GlobalCursor.Start, 100_000)).Events.FirstOrDefault(e => e.EventId == eventId)) is not null,
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        return found ?? throw new TimeoutException($"event {eventId} not readable in commit order");
    }

    private static async Task<T> EventuallyAsync<T>(Func<T> read, Func<T, bool> done)
    {
        await Poll.UntilAsync(() => Task.FromResult(done(read())), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        return read();
    }
}
