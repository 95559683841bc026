using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Projections;

namespace Ppid.Platform.Tests.Projections;

public sealed class ProjectionTests(EventStoreDatabase db) : IClassFixture<EventStoreDatabase>
{
    [Fact]
    public async Task An_async_projection_catches_up_and_a_rebuild_from_zero_equals_the_inline_projection()
    {
        var inline = new AccountBalances("account_balances");
        var store = db.Store(null, inline);
        var accounts = Enumerable.Range(0, 30).Select(i => $"account-{i}-{Guid.NewGuid():N}").ToList();
        await Parallel.ForEachAsync(accounts, async (account, ct) =>
        {
            await store.AppendAsync(account, "test.account", ExpectedVersion.NoStream, [new(new AccountOpened(account, "owner " + account[..10], DateTimeOffset.UnixEpoch))], Meta.For(), ct);
            for (var i = 1; i <= 20; i++)
                await store.AppendAsync(account, "test.account", ExpectedVersion.Exactly(i), [new(new MoneyDeposited(account, i * 0.25m))], Meta.For(), ct);
        });

        var runner = new AsyncProjectionRunner(store, new AccountBalances("account_balances_async"), NullLogger.Instance) { BatchSize = 50 };
        using var cts = new CancellationTokenSource();
        var running = runner.RunAsync(cts.Token);
        var total = accounts.Count * 21L;
        for (var i = 0; i < 200 && (await AsyncCheckpointPosition()) < total; i++) await Task.Delay(50);
        await cts.CancelAsync();
        await running;

        var expected = await Balances("account_balances");
        expected.Count.ShouldBe(30);
        expected.Values.ShouldAllBe(v => v.Balance == 52.5m && v.Deposits == 20);
        (await Balances("account_balances_async")).ShouldBe(expected);

        var reports = new List<RebuildProgress>();
        var final = await runner.RebuildAsync(new SynchronousProgress(reports.Add), batchSize: 100);
        final.Applied.ShouldBe(total);
        reports.Count.ShouldBeGreaterThan(5);
        reports.Select(r => r.Applied).ShouldBeInOrder();
        (await Balances("account_balances_async")).ShouldBe(expected);
    }

    private async Task<long> AsyncCheckpointPosition()
    {
        await using var cmd = db.DataSource.CreateCommand("select coalesce((select count(*) from events e, checkpoints c where c.name = 'account_balances_async' and (e.transaction_id, e.global_position) <= (c.transaction_id, c.global_position)), 0)");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task<SortedDictionary<string, (string Owner, decimal Balance, int Deposits)>> Balances(string table)
    {
        var result = new SortedDictionary<string, (string, decimal, int)>(StringComparer.Ordinal);
        await using var cmd = db.DataSource.CreateCommand($"select account_id, owner, balance, deposits from {table}");
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result[reader.GetString(0)] = (reader.GetString(1), reader.GetDecimal(2), reader.GetInt32(3));
        return result;
    }

    private sealed class SynchronousProgress(Action<RebuildProgress> report) : IProgress<RebuildProgress>
    {
        public void Report(RebuildProgress value) => report(value);
    }
}
