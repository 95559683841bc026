using System.Text.RegularExpressions;
using Npgsql;
using Ppid.Platform.Database;
using Ppid.Platform.EventSourcing;
using Ppid.Testing;

namespace Ppid.Deploy.Tests;

/// <summary>
/// The SQL an operator copies from docs/operations.md, run on a real PostgreSQL against the
/// platform's event store schema (its own migrations), so the runbook breaks here, not in an incident.
/// </summary>
public sealed partial class RunbookSqlTests : IAsyncLifetime
{
    private PostgresDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync("ppid_deploy");
        await Migrator.MigrateAsync(_database.DataSource, [PlatformMigrations.EventStore]);
        // Two streams (3 and 1 events), a forwarder checkpoint at the start, a consumer's inbox position.
        await ExecuteAsync("""
            select * from ppid_append('item-1', 'registry.item', 'tenant-a', 0,
                array[gen_random_uuid(), gen_random_uuid(), gen_random_uuid()], array['e', 'e', 'e'], array[1, 1, 1],
                array['{}'::jsonb, '{}'::jsonb, '{}'::jsonb], array['{}'::jsonb, '{}'::jsonb, '{}'::jsonb],
                array['\x01'::bytea, '\x02'::bytea, '\x03'::bytea], now());
            select * from ppid_append('item-2', 'registry.item', 'tenant-a', 0,
                array[gen_random_uuid()], array['e'], array[1], array['{}'::jsonb], array['{}'::jsonb], array['\x01'::bytea], now());
            insert into checkpoints (name, transaction_id, global_position, updated_at) values ('forwarder:registry', '0', 0, now());
            insert into inbox_streams (consumer, stream_id, version) values ('publication.catalog', 'item-1', 3);
            """);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    /// <summary>The ```sql blocks of the runbook, fences indented or not.</summary>
    private static List<string> SqlBlocks() =>
        SqlFence().Matches(Repo.Read("docs/operations.md"))
            .Select(m => string.Join('\n', m.Groups[1].Value.Split('\n').Select(l => l.Trim())))
            .ToList();

    /// <summary>A block an operator runs as written: no &lt;placeholder&gt; outside comments.</summary>
    private static bool RunsAsWritten(string block) =>
        !block.Split('\n').Where(l => !l.StartsWith("--", StringComparison.Ordinal)).Any(l => l.Contains('<') && Placeholder().IsMatch(l));

    [Fact]
    public async Task Every_sql_block_of_the_runbook_runs_on_the_event_store_schema()
    {
        var blocks = SqlBlocks();
        blocks.Count.ShouldBeGreaterThanOrEqualTo(6, "monitoring, republish, rebuild, transaction-id check, invariants, consumer versus producer");
        var runnable = blocks.Where(RunsAsWritten).ToList();
        runnable.Count.ShouldBe(blocks.Count - 1, "only the projection rebuild names tables to fill in");
        foreach (var block in runnable)
        {
            // A DO block that commits must be a statement of its own (as psql sends it).
            var statements = block.Contains("do $$", StringComparison.Ordinal)
                ? block.Split("do $$", 2) is var parts ? new[] { parts[0], "do $$" + parts[1] } : []
                : [block];
            foreach (var statement in statements.Where(s => s.Split('\n').Any(l => l.Length > 0 && !l.StartsWith("--", StringComparison.Ordinal))))
            {
                var error = await Record.ExceptionAsync(() => ExecuteAsync(statement));
                error.ShouldBeNull($"runbook SQL failed:\n{statement}\n{error?.Message}");
            }
        }
    }

    [Fact]
    public async Task The_republish_block_ends_the_forwarder_leaders_session_and_no_other_leaders()
    {
        var republish = SqlBlocks().Single(b => b.Contains("holds off the leader's next save", StringComparison.Ordinal));
        var leader = await PpidDataSource.TryTakeSessionLockAsync(_database.DataSource, "forwarder:registry", CancellationToken.None);
        var scheduler = await PpidDataSource.TryTakeSessionLockAsync(_database.DataSource, "classification/expiry-scheduler", CancellationToken.None);
        try
        {
            leader.ShouldNotBeNull();
            scheduler.ShouldNotBeNull();
            await ExecuteAsync("update checkpoints set global_position = 3 where name = 'forwarder:registry'");
            await ExecuteAsync(republish);

            await Should.ThrowAsync<Exception>(async () =>
            {
                await using var ping = new NpgsqlCommand("select 1", leader);
                await ping.ExecuteScalarAsync();
            }, "the forwarder leader's session was ended");
            await using var alive = new NpgsqlCommand("select 1", scheduler);
            (await alive.ExecuteScalarAsync()).ShouldBe(1, "the scheduler's session goes on");
            (await ScalarAsync("select global_position from checkpoints where name = 'forwarder:registry'")).ShouldBe(0L);
        }
        finally
        {
            if (leader is not null) await PpidDataSource.ReleaseSessionAsync(leader);
            if (scheduler is not null) await PpidDataSource.ReleaseSessionAsync(scheduler);
        }
    }

    [Fact]
    public async Task The_forwarder_lag_query_counts_what_the_checkpoint_has_not_passed()
    {
        var lag = SqlBlocks().Single(b => b.Contains("-- 1. Forwarder lag", StringComparison.Ordinal));
        (await ResultRowsAsync(lag))[0].ShouldBe(1);
        (await ScalarAsync("""
            select count(*) from events e, checkpoints c where c.name = 'forwarder:registry'
               and (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)
            """)).ShouldBe(4L, "sanity: all four events are behind a checkpoint at zero");
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(lag.Split("-- 2.")[0], connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetInt64(0).ShouldBe(4L, "unforwarded");
    }

    [Fact]
    public async Task The_restore_invariants_pass_on_an_intact_store_and_each_catches_its_breakage()
    {
        var invariants = SqlBlocks().Single(b => b.Contains("-- 1. Stream versions are contiguous", StringComparison.Ordinal));
        // Result sets: 1 contiguity, 2a head version, 2b head hash, 3 checkpoints, 4 transaction-id counter.
        (await ResultRowsAsync(invariants)).ShouldBe([0, 0, 0, 0, 0]);

        await ExecuteAsync("update checkpoints set transaction_id = '999999999', global_position = 999999 where name = 'forwarder:registry'");
        (await ResultRowsAsync(invariants)).ShouldBe([0, 0, 0, 1, 0], "a checkpoint ahead of the events");
        await ExecuteAsync("update checkpoints set transaction_id = '0', global_position = 0 where name = 'forwarder:registry'");

        await ExecuteAsync("delete from events where stream_id = 'item-1' and stream_version = 2");
        (await ResultRowsAsync(invariants)).ShouldBe([1, 0, 0, 0, 0], "a version missing in the middle of item-1");

        await ExecuteAsync("delete from events where stream_id = 'item-2'");
        (await ResultRowsAsync(invariants)).ShouldBe([1, 1, 0, 0, 0], "item-2's head says version 1 but its events are gone");

        await ExecuteAsync("update streams set last_hash = '\\x00' where id = 'item-1'");
        (await ResultRowsAsync(invariants)).ShouldBe([1, 1, 1, 0, 0], "item-1's head hash is not its last event's hash");

        // As after a logical restore into a younger cluster: an event from the future of this
        // cluster's transaction-id counter. The runbook's loop moves the counter past it.
        await ExecuteAsync("update events set transaction_id = (pg_current_xact_id()::text::bigint + 20)::text::xid8 where stream_id = 'item-1' and stream_version = 3");
        (await ResultRowsAsync(invariants))[4].ShouldBe(1, "the counter is behind a stored event");
        var advance = SqlBlocks().Single(b => b.Contains("do $$", StringComparison.Ordinal));
        await ExecuteAsync("do $$" + advance.Split("do $$", 2)[1]);
        (await ResultRowsAsync(invariants))[4].ShouldBe(0, "the runbook's loop advanced the counter past every event");
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return await cmd.ExecuteScalarAsync();
    }

    /// <summary>The number of rows of each result set of a multi-statement text.</summary>
    private async Task<List<int>> ResultRowsAsync(string sql)
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var counts = new List<int>();
        do
        {
            if (reader.FieldCount == 0) continue;
            var rows = 0;
            while (await reader.ReadAsync()) rows++;
            counts.Add(rows);
        } while (await reader.NextResultAsync());
        return counts;
    }

    [GeneratedRegex(@"^[ \t]*```sql\n(.*?)^[ \t]*```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex SqlFence();

    [GeneratedRegex(@"<[a-z][^>]*>")]
    private static partial Regex Placeholder();
}
