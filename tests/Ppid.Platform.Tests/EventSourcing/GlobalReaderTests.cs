using System.Collections.Concurrent;
using Ppid.Platform.EventSourcing;

namespace Ppid.Platform.Tests.EventSourcing;

public sealed class GlobalReaderTests(EventStoreDatabase db) : IClassFixture<EventStoreDatabase>
{
    [Fact]
    public async Task A_reader_under_concurrent_writers_sees_every_committed_event_once_in_stream_order_and_never_a_rolled_back_one()
    {
        var store = db.Store();
        var committed = new ConcurrentBag<Guid>();
        var rolledBack = new ConcurrentBag<Guid>();
        var random = new Random(20261121);
        var plans = Enumerable.Range(0, 12).Select(w => (Writer: w, Seed: random.Next())).ToList();

        using var writersDone = new CancellationTokenSource();
        var seen = new List<StoredEvent>();
        var trail = new List<string>();
        var writes = new ConcurrentQueue<string>();
        var readerExit = "";
        var cursors = new List<GlobalCursor>();
        var writersDoneAt = DateTime.MinValue;
        var startAt = await Drain(store, GlobalCursor.Start);
        var reader = Task.Run(async () =>
        {
            var cursor = startAt;
            while (true)
            {
                var done = writersDone.IsCancellationRequested;
                var batch = await store.ReadAllAsync(cursor, 7);
                seen.AddRange(batch.Events);
                cursors.Add(batch.Events.Count > 0 ? batch.Events[^1].Cursor : cursor);
                trail.Add($"{DateTime.UtcNow:HH:mm:ss.ffffff} after {cursor.TransactionId}/{cursor.Position}: {string.Join(",", batch.Events.Select(e => $"{e.TransactionId}/{e.GlobalPosition}"))} held={batch.HeldBack}");
                if (batch.Events.Count > 0) cursor = batch.Events[^1].Cursor;
                else if (done && !batch.HeldBack) { readerExit = $"{DateTime.UtcNow:HH:mm:ss.ffffff} reader done at {cursor.TransactionId}/{cursor.Position} after {trail.Count} reads"; return; }
                else await Task.Delay(1);
            }
        });

        var writers = plans.Select(plan => Task.Run(async () =>
        {
            var rng = new Random(plan.Seed);
            var stream = $"account-{plan.Writer}-{Guid.NewGuid():N}";
            for (var i = 0; i < 25; i++)
            {
                var kind = rng.Next(4); // 0: plain append, 1: hold the transaction open, 2: roll back, 3: multi-event
                await using var connection = await db.DataSource.OpenConnectionAsync();
                await using var tx = await connection.BeginTransactionAsync();
                var events = Enumerable.Range(0, kind == 3 ? 3 : 1).Select(_ => new EventData(new MoneyDeposited(stream, i), Guid.NewGuid())).ToList();
                var appended = await store.AppendAsync(connection, tx, stream, "test.account", ExpectedVersion.Any, events, Meta.For());
                if (kind == 1) await Task.Delay(rng.Next(5, 60)); // others commit higher positions meanwhile
                if (kind == 2)
                {
                    await tx.RollbackAsync();
                    foreach (var e in events) rolledBack.Add(e.EventId!.Value);
                    writes.Enqueue($"{DateTime.UtcNow:HH:mm:ss.ffffff} w{plan.Writer} i{i} rolled back positions {string.Join(",", appended.Events.Select(e => e.GlobalPosition))}");
                }
                else
                {
                    await tx.CommitAsync();
                    foreach (var e in events) committed.Add(e.EventId!.Value);
                    writes.Enqueue($"{DateTime.UtcNow:HH:mm:ss.ffffff} w{plan.Writer} i{i} kind {kind} committed positions {string.Join(",", appended.Events.Select(e => e.GlobalPosition))}");
                }
            }
        })).ToList();

        await Task.WhenAll(writers);
        writersDoneAt = DateTime.UtcNow;
        await writersDone.CancelAsync();
        await reader.WaitAsync(TimeSpan.FromSeconds(30));

        var missing = committed.Except(seen.Select(e => e.EventId)).ToHashSet();
        var extra = seen.Where(e => !committed.Contains(e.EventId)).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            // Every row of the table with what the test knows of it, then where the reader's cursor passed each missing one.
            await using var cmd = db.DataSource.CreateCommand("select event_id, transaction_id::text, global_position, stream_id || ' v' || stream_version from events order by transaction_id, global_position");
            var rows = new List<string>();
            var firstPassed = new List<string>();
            var seenIds = seen.Select(e => e.EventId).ToHashSet();
            await using (var r = await cmd.ExecuteReaderAsync())
                while (await r.ReadAsync())
                {
                    var id = r.GetGuid(0);
                    var at = new GlobalCursor(ulong.Parse(r.GetString(1), System.Globalization.CultureInfo.InvariantCulture), r.GetInt64(2));
                    var what = missing.Contains(id) ? "MISSING" : !seenIds.Contains(id) ? "unseen(not ours)" : rolledBack.Contains(id) ? "SEEN-ROLLED-BACK" : committed.Contains(id) ? "ok" : "SEEN-NOT-OURS";
                    rows.Add($"{at.TransactionId}/{at.Position} {r.GetString(3)} {id} {what}");
                    if (missing.Contains(id))
                    {
                        var index = cursors.FindIndex(c => c > at);
                        firstPassed.Add($"{at.TransactionId}/{at.Position}: first passed by read #{index} {(index >= 0 ? trail[index] : "never")}");
                    }
                }
            await File.WriteAllTextAsync(Ppid.Testing.FileLoggerProvider.PathFor("reader-miss"),
                $"startAt {startAt.TransactionId}/{startAt.Position}; {readerExit}; writers done {writersDoneAt:HH:mm:ss.ffffff}; missing {missing.Count}, extra {extra.Count}: {string.Join(",", extra.Select(e => $"{e.TransactionId}/{e.GlobalPosition}"))}\n"
                + "FIRST PASSED\n" + string.Join("\n", firstPassed) + "\nROWS\n" + string.Join("\n", rows)
                + "\nWRITES\n" + string.Join("\n", writes) + "\nTRAIL\n" + string.Join("\n", trail));
        }
        seen.Select(e => e.EventId).ShouldBeUnique();
        seen.Select(e => e.EventId).ToHashSet().SetEquals(committed).ShouldBeTrue(
            $"reader saw {seen.Count}, committed {committed.Count}; missing {committed.Except(seen.Select(e => e.EventId)).Count()}");
        seen.ShouldNotContain(e => rolledBack.Contains(e.EventId));
        foreach (var stream in seen.GroupBy(e => e.StreamId))
            stream.Select(e => e.StreamVersion).ShouldBe(stream.Select(e => e.StreamVersion).Order().ToList(), $"stream {stream.Key} out of order");
        committed.Count.ShouldBeGreaterThan(100);
        rolledBack.Count.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Commit_order_is_numeric_across_transaction_ids_of_different_lengths()
    {
        // Rows as transactions 9, 10, 99, 100 and 1000 would have written them. Ordered as text
        // ("10" < "100" < "1000" < "9" < "99") a reader with small batches would skip some.
        var store = db.Store();
        var marker = Guid.NewGuid().ToString("N");
        ulong[] transactionIds = [1000, 99, 9, 100, 10];
        foreach (var (xid, i) in transactionIds.Select((x, i) => (x, i)))
        {
            await using var cmd = db.DataSource.CreateCommand(
                """
                insert into events (transaction_id, event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, tenant, hash)
                values ($1::text::xid8, gen_random_uuid(), $2, 1, 'test.money-deposited.v1', 1, $3::jsonb, '{"tenant":"t"}', now(), 't', '\x')
                """);
            cmd.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = xid.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            cmd.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = $"planted-{marker}-{i}" });
            cmd.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = $$"""{"accountId":"{{marker}}","amount":{{xid}}}""" });
            await cmd.ExecuteNonQueryAsync();
        }

        foreach (var batchSize in new[] { 1, 2, 3 })
        {
            var cursor = GlobalCursor.Start;
            var planted = new List<ulong>();
            for (var reads = 0; reads < 10_000; reads++)
            {
                var batch = await store.ReadAllAsync(cursor, batchSize);
                if (batch.Events.Count == 0) { if (!batch.HeldBack) break; await Task.Delay(5); continue; }
                planted.AddRange(batch.Events.Where(e => e.StreamId.StartsWith($"planted-{marker}", StringComparison.Ordinal)).Select(e => e.TransactionId));
                cursor = batch.Events[^1].Cursor;
            }
            planted.ShouldBe([9UL, 10, 99, 100, 1000], $"batches of {batchSize}");
        }
    }

    [Fact]
    public async Task An_open_transaction_holds_back_later_commits_until_it_ends()
    {
        var store = db.Store();
        var start = await Drain(store, GlobalCursor.Start);

        await using var slow = await db.DataSource.OpenConnectionAsync();
        await using var slowTx = await slow.BeginTransactionAsync();
        await store.AppendAsync(slow, slowTx, "slow-" + Guid.NewGuid(), "test.account", ExpectedVersion.Any, [new(new MoneyDeposited("s", 1))], Meta.For());

        await store.AppendAsync("fast-" + Guid.NewGuid(), "test.account", ExpectedVersion.Any, [new(new MoneyDeposited("f", 2))], Meta.For());

        var whileOpen = await store.ReadAllAsync(start, 100);
        whileOpen.Events.ShouldBeEmpty();
        whileOpen.HeldBack.ShouldBeTrue();

        await slowTx.CommitAsync();
        var after = new List<StoredEvent>();
        var cursor = start;
        for (var attempt = 0; attempt < 2000; attempt++)
        {
            var batch = await store.ReadAllAsync(cursor, 100);
            after.AddRange(batch.Events);
            if (batch.Events.Count > 0) cursor = batch.Events[^1].Cursor;
            else if (!batch.HeldBack) break;
            else await Task.Delay(5);
        }
        after.Select(e => ((MoneyDeposited)store.Decode(e).Data).Amount).ShouldBe([1m, 2m]);
    }

    [Fact]
    public async Task An_open_write_transaction_of_another_database_holds_nothing_back()
    {
        // Before the per-database horizon this read stayed held back until the other database's
        // transaction ended: the cluster-wide pg_snapshot_xmin counted it.
        var store = db.Store();
        var start = await Drain(store, GlobalCursor.Start);

        var elsewhere = new Npgsql.NpgsqlConnectionStringBuilder(db.Database.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var other = new Npgsql.NpgsqlConnection(elsewhere);
        await other.OpenAsync();
        await using var otherTx = await other.BeginTransactionAsync();
        await using (var take = new Npgsql.NpgsqlCommand("select pg_current_xact_id()", other, otherTx))
            await take.ExecuteScalarAsync(); // the other database's transaction now has an id, older than the append below

        var appended = await store.AppendAsync("fast-" + Guid.NewGuid(), "test.account", ExpectedVersion.Any, [new(new MoneyDeposited("f", 3))], Meta.For());

        var batch = await store.ReadAllAsync(start, 100);
        batch.Events.Select(e => e.EventId).ShouldBe([appended.Events[0].EventId]);
        batch.HeldBack.ShouldBeFalse();
        (await store.HorizonAsync(default)).ShouldBeGreaterThan(batch.Events[0].TransactionId);
        await otherTx.RollbackAsync();
    }

    [Theory]
    // xmax, running ids (32-bit, as pg_stat_activity shows them), expected horizon
    [InlineData(1000UL, new long[0], 1000UL)]
    [InlineData(1000UL, new long[] { 990, 995 }, 990UL)]
    [InlineData(1000UL, new long[] { 1000, 1003 }, 1000UL)] // assigned after the snapshot: no effect
    // Past the first wraparound: xmax = 2^32 + 5 (epoch 1, xid 5); a running xid 4294967290 is from epoch 0.
    [InlineData(4294967301UL, new long[] { 4294967290 }, 4294967290UL)]
    [InlineData(4294967301UL, new long[] { 3 }, 4294967299UL)]
    [InlineData(4294967301UL, new long[] { 7, 4294967295 }, 4294967295UL)]
    public void The_horizon_widens_running_ids_relative_to_xmax(ulong xmax, long[] running, ulong expected) =>
        EventStore.Horizon(xmax, running).ShouldBe(expected);

    private static async Task<GlobalCursor> Drain(Ppid.Platform.EventSourcing.EventStore store, GlobalCursor cursor)
    {
        while (true)
        {
            var batch = await store.ReadAllAsync(cursor, 1000);
            if (batch.Events.Count == 0 && !batch.HeldBack) return cursor;
            if (batch.Events.Count > 0) cursor = batch.Events[^1].Cursor;
            else await Task.Delay(5);
        }
    }
}
