using Ppid.Platform.EventSourcing;
using Ppid.Testing;

namespace Ppid.Platform.Tests.EventSourcing;

public sealed class TimeTravelTests(EventStoreDatabase db) : IClassFixture<EventStoreDatabase>
{
    [Fact]
    public async Task State_is_loaded_at_a_version_and_as_of_an_instant()
    {
        var t0 = new DateTimeOffset(2027, 1, 4, 8, 0, 0, TimeSpan.FromHours(7));
        var clock = new ManualClock(t0);
        var store = db.Store(clock);
        var stream = $"account-{Guid.NewGuid():N}";
        await store.AppendAsync(stream, "test.account", ExpectedVersion.NoStream, [new(new AccountOpened(stream, "Rina", t0))], Meta.For());
        clock.Advance(TimeSpan.FromHours(1));
        await store.AppendAsync(stream, "test.account", ExpectedVersion.Exactly(1), [new(new MoneyDeposited(stream, 100))], Meta.For());
        clock.Advance(TimeSpan.FromHours(1));
        await store.AppendAsync(stream, "test.account", ExpectedVersion.Exactly(2), [new(new MoneyDeposited(stream, 50))], Meta.For());

        var atVersion2 = await store.LoadAsync(stream, Account.Empty, Account.Evolve, atVersion: 2);
        atVersion2!.State.Balance.ShouldBe(100);
        atVersion2.Version.ShouldBe(2);

        var asOf = await store.LoadAsync(stream, Account.Empty, Account.Evolve, atInstant: t0.AddMinutes(90));
        asOf!.State.ShouldBe(new Account(stream, "Rina", 100, 1));
        asOf.Version.ShouldBe(2);

        (await store.LoadAsync(stream, Account.Empty, Account.Evolve, atInstant: t0.AddMinutes(-1))).ShouldBeNull();
        (await store.LoadAsync(stream, Account.Empty, Account.Evolve))!.State.Balance.ShouldBe(150);
        (await store.ReadStreamAsync(stream)).Select(e => e.RecordedAt).ShouldBe([t0, t0.AddHours(1), t0.AddHours(2)]);
    }
}
