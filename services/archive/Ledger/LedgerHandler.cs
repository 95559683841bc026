using Npgsql;
using Ppid.Archive.Editions;
using Ppid.Contracts.Publication;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Messaging;

namespace Ppid.Archive.Ledger;

/// <summary>
/// Records every event of every service in the ledger, verbatim, once (the inbox and the unique
/// (service, event id) both guard), and checks on arrival that it chains onto the previous entry
/// of its stream. A break is stored with the event (flagged), written to <c>ledger_breaks</c> and
/// logged as an error: the record stays complete and the break is never silently accepted.
/// A published edition is archived in the same transaction.
/// </summary>
public sealed class LedgerHandler(EditionArchiver archiver, TimeProvider clock, ILogger<LedgerHandler> logger) : IEventHandler
{
    public const string Queue = "archive.ledger";

    public async Task HandleAsync(IncomingEvent e, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        var stored = e.ToStored();
        // One writer per tenant at a time: ledger sequence order equals commit order within a tenant,
        // so a root hash over "the ledger up to sequence n" means the same thing later.
        // The head is read in the same round trip, by a statement of its own: it sees what the lock's previous holder committed.
        var (previousVersion, previousHash) = await LockTenantAndReadHeadAsync(connection, transaction, e.Tenant, e.SourceService, e.StreamId, ct);
        var breakReason = LedgerChain.Check(previousVersion, previousHash, stored);
        var now = clock.GetUtcNow();

        long sequence;
        await using (var insert = new NpgsqlCommand(
            $"""
            insert into ledger (source_service, event_id, stream_id, stream_version, source_position, source_transaction_id, type, schema_version,
                                data, metadata, recorded_at, tenant, hash, chain_intact, received_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
            on conflict do nothing
            returning sequence
            """, connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.SourceService });
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = e.EventId });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.StreamId });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Position });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.TransactionId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Type });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = e.SchemaVersion });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.DataJson });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.MetadataJson });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = e.RecordedAt });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Tenant });
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = e.Hash });
            insert.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = breakReason is null });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            var result = await insert.ExecuteScalarAsync(ct);
            if (result is null)
            {
                await ConflictAsync(connection, transaction, e, now, ct);
                return;
            }
            sequence = (long)result;
        }

        // The stream's head and the item index, in one round trip.
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            // The head follows the source's own chain even past a break, so one altered event is one break, not a cascade.
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                insert into ledger_streams (source_service, stream_id, tenant, version, last_hash) values ($1, $2, $3, $4, $5)
                on conflict (source_service, stream_id) do update set version = excluded.version, last_hash = excluded.last_hash
                """)
            {
                Parameters =
                {
                    new NpgsqlParameter<string> { TypedValue = e.SourceService },
                    new NpgsqlParameter<string> { TypedValue = e.StreamId },
                    new NpgsqlParameter<string> { TypedValue = e.Tenant },
                    new NpgsqlParameter<long> { TypedValue = Math.Max(previousVersion, e.StreamVersion) },
                    new NpgsqlParameter<byte[]> { TypedValue = e.StreamVersion > previousVersion ? e.Hash : previousHash },
                },
            });
            var items = ItemIds.In(e.DataJson);
            if (items.Count > 0)
                batch.BatchCommands.Add(new NpgsqlBatchCommand("insert into ledger_items (tenant, item_id, sequence) select $1, unnest($2), $3 on conflict do nothing")
                {
                    Parameters =
                    {
                        new NpgsqlParameter<string> { TypedValue = e.Tenant },
                        new NpgsqlParameter<Guid[]> { TypedValue = [.. items] },
                        new NpgsqlParameter<long> { TypedValue = sequence },
                    },
                });
            await batch.ExecuteNonQueryAsync(ct);
        }

        if (breakReason is not null) await RecordBreakAsync(connection, transaction, e, breakReason, now, ct);

        if (e.Data is EditionPublished edition)
            await archiver.ArchiveAsync(connection, transaction, e, edition, sequence, ct);
    }

    /// <summary>
    /// The ledger holds the event id already (a redelivery: nothing to do), or another event claims
    /// the same stream version: that cannot be stored beside the first, so it is recorded as a break.
    /// </summary>
    private async Task ConflictAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IncomingEvent e, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select event_id from ledger where source_service = $1 and stream_id = $2 and stream_version = $3", connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.SourceService });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.StreamId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
        var holder = await cmd.ExecuteScalarAsync(ct) as Guid?;
        if (holder is null || holder == e.EventId)
        {
            logger.LogDebug("Ledger already holds {Service} event {EventId}", e.SourceService, e.EventId);
            return;
        }
        await RecordBreakAsync(connection, tx, e, $"another event ({holder}) is already recorded at this version; this one was not stored", now, ct);
    }

    private async Task RecordBreakAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IncomingEvent e, string reason, DateTimeOffset now, CancellationToken ct)
    {
        await using var record = new NpgsqlCommand(
            """
            insert into ledger_breaks (tenant, source_service, stream_id, stream_version, event_id, reason, detected_at)
            values ($1, $2, $3, $4, $5, $6, $7)
            """, connection, tx);
        record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Tenant });
        record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.SourceService });
        record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.StreamId });
        record.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
        record.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = e.EventId });
        record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reason });
        record.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        await record.ExecuteNonQueryAsync(ct);
        logger.LogError("Ledger chain break: {Service} stream {Stream} v{Version} (event {EventId}, tenant {Tenant}): {Reason}",
            e.SourceService, e.StreamId, e.StreamVersion, e.EventId, e.Tenant, reason);
    }

    private static async Task<(long Version, byte[] Hash)> LockTenantAndReadHeadAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string tenant,
        string service, string stream, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("select pg_advisory_xact_lock(hashtext('ppid-ledger:' || $1))") { Parameters = { new NpgsqlParameter<string> { TypedValue = tenant } } },
                new NpgsqlBatchCommand("select version, last_hash from ledger_streams where source_service = $1 and stream_id = $2")
                {
                    Parameters = { new NpgsqlParameter<string> { TypedValue = service }, new NpgsqlParameter<string> { TypedValue = stream } },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct); // past the lock's (void) row
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), (byte[])reader[1]) : (0, []);
    }

    /// <summary>Every stream type the contracts know: the ledger follows all of them, new ones included.</summary>
    public static IReadOnlyList<string> AllStreamTypes(EventTypes types) =>
        [.. types.All.Select(t => t.StreamType).Distinct().Order(StringComparer.Ordinal)];
}
