using Npgsql;
using Ppid.Platform.EventSourcing;
using Ppid.Testing;

namespace Ppid.Platform.Tests.EventSourcing;

public sealed class AppendTests(EventStoreDatabase db) : IClassFixture<EventStoreDatabase>
{
    private static string NewStream() => $"account-{Guid.NewGuid():N}";

    [Fact]
    public async Task Appending_to_a_new_stream_returns_versions_and_positions_and_reads_back()
    {
        var store = db.Store();
        var stream = NewStream();
        var result = await store.AppendAsync(stream, "test.account", ExpectedVersion.NoStream,
            [new(new AccountOpened(stream, "Siti", DateTimeOffset.UnixEpoch)), new(new MoneyDeposited(stream, 10.50m, "gaji"))], Meta.For());

        result.StreamVersion.ShouldBe(2);
        result.Events.Select(e => e.StreamVersion).ShouldBe([1L, 2L]);
        result.Events[1].GlobalPosition.ShouldBeGreaterThan(result.Events[0].GlobalPosition);

        var events = await store.ReadStreamAsync(stream);
        events.Select(e => e.Data).ShouldBe([new AccountOpened(stream, "Siti", DateTimeOffset.UnixEpoch), new MoneyDeposited(stream, 10.50m, "gaji")]);
        events.Select(e => e.EventId).ShouldBe(result.Events.Select(e => e.EventId));
        events[0].Metadata.ActorRole.ShouldBe("petugas");
        events[0].Metadata.Tenant.ShouldBe("tenant-a");
        (await store.GetStreamAsync(stream))!.Version.ShouldBe(2);
    }

    private static IReadOnlyList<object> Collect(IReadOnlyList<object> events, object e) => [.. events, e];

    [Fact]
    public async Task Lock_and_load_waits_for_an_open_append_to_the_stream_and_then_reads_what_it_committed()
    {
        var store = db.Store();
        var stream = NewStream();
        await store.AppendAsync(stream, "test.account", ExpectedVersion.NoStream, [new(new AccountOpened(stream, "Siti", DateTimeOffset.UnixEpoch))], Meta.For());
        await using var writer = await db.DataSource.OpenConnectionAsync();
        await using var writing = await writer.BeginTransactionAsync();
        await store.AppendAsync(writer, writing, stream, "test.account", ExpectedVersion.Exactly(1), [new EventData(new MoneyDeposited(stream, 5))], Meta.For());

        await using var locker = await db.DataSource.OpenConnectionAsync();
        await using var locking = await locker.BeginTransactionAsync();
        var loading = store.LockAndLoadAsync(locker, locking, stream, (IReadOnlyList<object>)[], Collect);
        // The race is real only once the load waits on the row lock: see it waiting before the append commits.
        (await Poll.UntilAsync(() => WaitsOnALockAsync(locker.ProcessID), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20)))
            .ShouldBeTrue("the load never waited for the open append's lock");
        loading.IsCompleted.ShouldBeFalse();

        await writing.CommitAsync();
        var loaded = (await loading.WaitAsync(TimeSpan.FromSeconds(10)))!;
        // A snapshot taken before the lock was granted would miss the deposit and answer version 1.
        loaded.Version.ShouldBe(2);
        loaded.State.ShouldBe([new AccountOpened(stream, "Siti", DateTimeOffset.UnixEpoch), new MoneyDeposited(stream, 5)]);
        loaded.Tenant.ShouldBe("tenant-a");

        // The lock holds until the transaction ends: an append from elsewhere waits for it.
        var appending = store.AppendAsync(stream, "test.account", ExpectedVersion.Exactly(2), [new(new MoneyDeposited(stream, 7))], Meta.For());
        (await Task.WhenAny(appending, Task.Delay(TimeSpan.FromMilliseconds(500)))).ShouldNotBe(appending, "an append did not wait for the lock");
        await locking.CommitAsync();
        (await appending.WaitAsync(TimeSpan.FromSeconds(10))).StreamVersion.ShouldBe(3);
    }

    private async Task<bool> WaitsOnALockAsync(int backend)
    {
        await using var cmd = db.DataSource.CreateCommand("select wait_event_type = 'Lock' from pg_stat_activity where pid = $1");
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = backend });
        return await cmd.ExecuteScalarAsync() is true;
    }

    [Fact]
    public async Task Lock_and_load_of_a_stream_that_does_not_exist_is_null()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        (await db.Store().LockAndLoadAsync(connection, tx, NewStream(), (IReadOnlyList<object>)[], Collect)).ShouldBeNull();
    }

    [Fact]
    public async Task An_append_watch_sees_appends_into_the_callers_transaction_made_in_awaited_calls_and_nothing_else()
    {
        var store = db.Store();
        await using var connection = await db.DataSource.OpenConnectionAsync();

        using (var idle = AppendWatch.Start())
        {
            // An append in its own transaction wakes readers itself; the watch is for appends the caller commits.
            await store.AppendAsync(NewStream(), "test.account", ExpectedVersion.NoStream, [new(new MoneyDeposited("x", 1))], Meta.For());
            await using var tx = await connection.BeginTransactionAsync();
            await using (var cmd = new Npgsql.NpgsqlCommand("select 1", connection, tx)) await cmd.ExecuteScalarAsync();
            await tx.CommitAsync();
            idle.Appended.ShouldBeFalse();
        }

        using var outer = AppendWatch.Start();
        using (var inner = AppendWatch.Start())
        {
            await using var tx = await connection.BeginTransactionAsync();
            await AppendInAnotherMethodAsync(store, connection, tx);
            await tx.CommitAsync();
            inner.Appended.ShouldBeTrue("the handler's append ran in an awaited call below the watch");
        }
        outer.Appended.ShouldBeTrue("an enclosing watch sees it too");

        using var later = AppendWatch.Start();
        later.Appended.ShouldBeFalse("a new watch starts clean");
    }

    private static async Task AppendInAnotherMethodAsync(EventStore store, Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction tx)
    {
        await Task.Yield();
        await store.AppendAsync(connection, tx, NewStream(), "test.account", ExpectedVersion.NoStream, [new(new MoneyDeposited("y", 2))], Meta.For());
    }

    [Fact]
    public async Task Twenty_concurrent_appends_with_the_same_expected_version_let_exactly_one_win()
    {
        var store = db.Store();
        var stream = NewStream();
        await store.AppendAsync(stream, "test.account", ExpectedVersion.NoStream, [new(new AccountOpened(stream, "Budi", DateTimeOffset.UnixEpoch))], Meta.For());

        using var start = new ManualResetEventSlim();
        var attempts = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                return (object)await store.AppendAsync(stream, "test.account", ExpectedVersion.Exactly(1), [new(new MoneyDeposited(stream, i))], Meta.For());
            }
            catch (ConcurrencyException e)
            {
                return e;
            }
        })).ToList();
        start.Set();
        var outcomes = await Task.WhenAll(attempts);

        var wins = outcomes.OfType<AppendResult>().ToList();
        wins.Count.ShouldBe(1);
        outcomes.OfType<ConcurrencyException>().Count().ShouldBe(19);
        outcomes.OfType<ConcurrencyException>().ShouldAllBe(e => e.ActualVersion == 2 && e.Expected == ExpectedVersion.Exactly(1));

        var events = await store.ReadStreamAsync(stream);
        events.Select(e => e.StreamVersion).ShouldBe([1L, 2L]);
        events[1].EventId.ShouldBe(wins[0].Events[0].EventId);
    }

    [Fact]
    public async Task Concurrent_appends_with_any_version_all_land_without_gaps()
    {
        var store = db.Store();
        var stream = NewStream();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            store.AppendAsync(stream, "test.account", ExpectedVersion.Any, [new(new MoneyDeposited(stream, i)), new(new MoneyDeposited(stream, i))], Meta.For()))));
        var versions = (await store.ReadStreamAsync(stream)).Select(e => e.StreamVersion).ToList();
        versions.ShouldBe(Enumerable.Range(1, 40).Select(v => (long)v).ToList());
    }

    [Fact]
    public async Task Expecting_no_stream_on_an_existing_stream_or_a_version_of_a_missing_one_conflicts()
    {
        var store = db.Store();
        var stream = NewStream();
        await store.AppendAsync(stream, "test.account", ExpectedVersion.NoStream, [new(new AccountOpened(stream, "A", DateTimeOffset.UnixEpoch))], Meta.For());

        var again = await Should.ThrowAsync<ConcurrencyException>(() =>
            store.AppendAsync(stream, "test.account", ExpectedVersion.NoStream, [new(new AccountOpened(stream, "B", DateTimeOffset.UnixEpoch))], Meta.For()));
        again.ActualVersion.ShouldBe(1);

        var missing = await Should.ThrowAsync<ConcurrencyException>(() =>
            store.AppendAsync(NewStream(), "test.account", ExpectedVersion.Exactly(3), [new(new MoneyDeposited("x", 1))], Meta.For()));
        missing.ActualVersion.ShouldBe(0);

        (await store.ReadStreamAsync(stream)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_stream_of_another_tenant_refuses_the_append_and_stays_unchanged()
    {
        var store = db.Store();
        var stream = NewStream();
        await store.AppendAsync(stream, "test.account", ExpectedVersion.NoStream, [new(new AccountOpened(stream, "A", DateTimeOffset.UnixEpoch))], Meta.For("tenant-a"));
        await Should.ThrowAsync<TenantMismatchException>(() =>
            store.AppendAsync(stream, "test.account", ExpectedVersion.Any, [new(new MoneyDeposited(stream, 1))], Meta.For("tenant-b")));
        (await store.GetStreamAsync(stream))!.Version.ShouldBe(1);
    }

    [Fact]
    public async Task An_append_with_a_chosen_event_id_twice_is_refused_and_changes_nothing()
    {
        var store = db.Store();
        var stream = NewStream();
        var id = Guid.NewGuid();
        await store.AppendAsync(stream, "test.account", ExpectedVersion.Any, [new(new MoneyDeposited(stream, 1), id)], Meta.For());
        await Should.ThrowAsync<PostgresException>(() =>
            store.AppendAsync(stream, "test.account", ExpectedVersion.Any, [new(new MoneyDeposited(stream, 1), id)], Meta.For()));
        (await store.GetStreamAsync(stream))!.Version.ShouldBe(1);
    }

    [Fact]
    public async Task Unregistered_event_types_fail_loudly_on_append_and_on_read()
    {
        var store = db.Store();
        await Should.ThrowAsync<UnknownEventTypeException>(() =>
            store.AppendAsync(NewStream(), "test.account", ExpectedVersion.Any, [new(new { Whatever = 1 })], Meta.For()));

        var stream = NewStream();
        await store.AppendAsync(stream, "test.account", ExpectedVersion.Any, [new(new MoneyDeposited(stream, 1))], Meta.For());
        var narrower = new Ppid.Platform.EventSourcing.EventStore(db.DataSource, new EventTypes([typeof(AccountOpened)]), TimeProvider.System);
        var error = await Should.ThrowAsync<UnknownEventTypeException>(() => narrower.ReadStreamAsync(stream));
        error.Message.ShouldContain("test.money-deposited.v1");
    }

    [Fact]
    public async Task Stored_older_shapes_are_upcast_on_read()
    {
        var stream = NewStream();
        // A v1 rename event as an older version of the code stored it: one "name" field.
        await using (var cmd = db.DataSource.CreateCommand(
            """
            with s as (insert into streams (id, type, tenant, version, last_hash, created_at, updated_at) values ($1, 'test.account', 't', 1, '\x', now(), now()))
            insert into events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, tenant, hash)
            values (gen_random_uuid(), $1, 1, 'test.account-renamed.v1', 1, '{"accountId":"a","name":"Dewi Lestari"}', '{"tenant":"t"}', now(), 't', '\x');
            """))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
            await cmd.ExecuteNonQueryAsync();
        }
        var types = new EventTypes(EventStoreDatabase.TestEvents);
        types.AddUpcaster("test.account-renamed.v1", 1, data =>
        {
            var parts = data["name"]!.GetValue<string>().Split(' ', 2);
            return ("test.account-renamed.v2", 2, new System.Text.Json.Nodes.JsonObject
            {
                ["accountId"] = data["accountId"]!.GetValue<string>(), ["givenName"] = parts[0], ["familyName"] = parts[1],
            });
        });
        var store = new Ppid.Platform.EventSourcing.EventStore(db.DataSource, types, TimeProvider.System);
        var events = await store.ReadStreamAsync(stream);
        events.Single().Data.ShouldBe(new AccountRenamed("a", "Dewi", "Lestari"));
    }
}
