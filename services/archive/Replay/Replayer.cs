using System.Diagnostics;
using Npgsql;
using Ppid.Archive.Editions;
using Ppid.Archive.Ledger;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Projections;

namespace Ppid.Archive.Replay;

/// <summary>
/// Rebuilds the archive's projections from zero, reporting progress:
/// <c>item-index</c> (which ledger rows concern which item) from the ledger rows, and
/// <c>edition-records</c> (legal holds, disposals) from the archive's own events through the
/// platform's <see cref="AsyncProjectionRunner.RebuildAsync"/>. The ledger rows and each stream's
/// recorded head are the record itself, not projections: rebuilding the heads from the rows would
/// launder a deleted row, so they are never rebuilt.
/// </summary>
public sealed class Replayer(NpgsqlDataSource db, EventStore store, EditionRecordsProjection editionRecords, ILoggerFactory logging)
{
    public static readonly IReadOnlyList<string> Projections = ["item-index", "edition-records"];

    public Task<RebuildProgress> RebuildAsync(string projection, IProgress<RebuildProgress>? progress, CancellationToken ct) => projection switch
    {
        "item-index" => RebuildItemIndexAsync(progress, ct),
        "edition-records" => new AsyncProjectionRunner(store, editionRecords, logging.CreateLogger<EditionRecordsProjection>()).RebuildAsync(progress, ct: ct),
        _ => throw new ArgumentException($"Unknown projection '{projection}'; known: {string.Join(", ", Projections)}.", nameof(projection)),
    };

    private async Task<RebuildProgress> RebuildItemIndexAsync(IProgress<RebuildProgress>? progress, CancellationToken ct)
    {
        const int batchSize = 5000;
        var stopwatch = Stopwatch.StartNew();
        await using var connection = await db.OpenConnectionAsync(ct);
        // One transaction: readers see the old index until the new one is complete.
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var reset = new NpgsqlCommand("lock table ledger_items in exclusive mode; delete from ledger_items", connection, tx))
            await reset.ExecuteNonQueryAsync(ct);
        long total;
        await using (var count = new NpgsqlCommand("select count(*) from ledger", connection, tx))
            total = (long)(await count.ExecuteScalarAsync(ct))!;
        long applied = 0, after = 0;
        while (true)
        {
            var batch = new List<(long Sequence, string Tenant, string Data)>();
            await using (var read = new NpgsqlCommand("select sequence, tenant, data from ledger where sequence > $1 order by sequence limit $2", connection, tx))
            {
                read.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
                read.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
                await using var reader = await read.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) batch.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            }
            if (batch.Count == 0) break;
            var sequences = new List<long>();
            var tenants = new List<string>();
            var items = new List<Guid>();
            foreach (var (sequence, tenant, data) in batch)
                foreach (var item in ItemIds.In(data)) { sequences.Add(sequence); tenants.Add(tenant); items.Add(item); }
            await using (var write = new NpgsqlCommand(
                "insert into ledger_items (tenant, item_id, sequence) select * from unnest($1::text[], $2::uuid[], $3::bigint[]) on conflict do nothing", connection, tx))
            {
                write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. tenants] });
                write.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. items] });
                write.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. sequences] });
                await write.ExecuteNonQueryAsync(ct);
            }
            applied += batch.Count;
            after = batch[^1].Sequence;
            progress?.Report(new RebuildProgress("item-index", applied, Math.Max(total, applied), stopwatch.Elapsed));
        }
        await tx.CommitAsync(ct);
        var done = new RebuildProgress("item-index", applied, Math.Max(total, applied), stopwatch.Elapsed);
        progress?.Report(done);
        return done;
    }
}
