using Npgsql;

namespace Ppid.Archive.Ledger;

/// <summary>The ledger's reads, always within one tenant.</summary>
public static class LedgerQueries
{
    /// <summary>Each stream's head among the tenant's rows up to <paramref name="upToSequence"/> (what a root hash covers).</summary>
    public static async Task<List<LedgerHead>> HeadsAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string tenant, long upToSequence, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            select distinct on (source_service, stream_id) source_service, stream_id, stream_version, hash
              from ledger where tenant = $1 and sequence <= $2
             order by source_service, stream_id, stream_version desc
            """, connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upToSequence });
        var heads = new List<LedgerHead>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) heads.Add(new LedgerHead(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), (byte[])reader[3]));
        return heads;
    }

    /// <summary>The heads recorded on arrival (what the stored rows must chain to).</summary>
    public static async Task<List<LedgerHead>> RecordedHeadsAsync(NpgsqlDataSource db, string tenant, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select source_service, stream_id, version, last_hash from ledger_streams where tenant = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        var heads = new List<LedgerHead>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) heads.Add(new LedgerHead(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), (byte[])reader[3]));
        return heads;
    }

    /// <summary>The tenant's rows in stream order (service, stream, version), optionally up to a sequence.</summary>
    public static async Task<List<LedgerEntry>> StreamOrderAsync(NpgsqlDataSource db, string tenant, long? upToSequence, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            $"select {LedgerEntry.Columns} from ledger where tenant = $1 and sequence <= $2 order by source_service, stream_id, stream_version, sequence");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upToSequence ?? long.MaxValue });
        return await LedgerEntry.ReadAllAsync(cmd, ct);
    }

    /// <summary>The item's rows in the order things happened: recorded time, then ledger sequence.</summary>
    public static async Task<List<LedgerEntry>> ForItemAsync(NpgsqlDataSource db, string tenant, Guid itemId, DateTimeOffset? upTo, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            $"""
            select {string.Join(", ", LedgerEntry.Columns.Split(", ").Select(c => "l." + c))}
              from ledger_items i join ledger l on l.sequence = i.sequence
             where i.tenant = $1 and i.item_id = $2 and l.recorded_at <= $3
             order by l.recorded_at, l.sequence
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = itemId });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = upTo ?? DateTimeOffset.MaxValue });
        return await LedgerEntry.ReadAllAsync(cmd, ct);
    }

    public static async Task<List<LedgerBreak>> BreaksAsync(NpgsqlDataSource db, string tenant, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "select source_service, stream_id, stream_version, event_id, reason, detected_at from ledger_breaks where tenant = $1 order by id");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        var breaks = new List<LedgerBreak>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            breaks.Add(new LedgerBreak(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetGuid(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
        return breaks;
    }
}

/// <summary>A chain break found when the event arrived.</summary>
public sealed record LedgerBreak(string SourceService, string StreamId, long StreamVersion, Guid EventId, string Reason, DateTimeOffset DetectedAt);
