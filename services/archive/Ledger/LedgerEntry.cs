using System.Text.Json;
using Npgsql;
using Ppid.Platform.EventSourcing;

namespace Ppid.Archive.Ledger;

/// <summary>One ledger row: an event exactly as its source service stored it, and where the ledger put it.</summary>
public sealed record LedgerEntry(
    long Sequence,
    string SourceService,
    Guid EventId,
    string StreamId,
    long StreamVersion,
    long SourcePosition,
    string SourceTransactionId,
    string Type,
    int SchemaVersion,
    string Data,
    string Metadata,
    DateTimeOffset RecordedAt,
    string Tenant,
    byte[] Hash,
    bool ChainIntact)
{
    public const string Columns =
        "sequence, source_service, event_id, stream_id, stream_version, source_position, source_transaction_id, type, schema_version, data, metadata, recorded_at, tenant, hash, chain_intact";

    /// <summary>The row as the source's event store would hold it: what its hash chain covers.</summary>
    public StoredEvent ToStored() =>
        new(SourcePosition, ulong.Parse(SourceTransactionId, System.Globalization.CultureInfo.InvariantCulture), EventId, StreamId, StreamVersion,
            Type, SchemaVersion, Data, Metadata, RecordedAt, Tenant, Hash);

    public EventMetadata ReadMetadata() => JsonSerializer.Deserialize<EventMetadata>(Metadata, EventJson.Options)!;

    public static LedgerEntry Read(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetGuid(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5), r.GetString(6), r.GetString(7),
        r.GetInt32(8), r.GetString(9), r.GetString(10), r.GetFieldValue<DateTimeOffset>(11), r.GetString(12), (byte[])r[13], r.GetBoolean(14));

    /// <summary>Reads rows of a query whose select list is <see cref="Columns"/>.</summary>
    public static async Task<List<LedgerEntry>> ReadAllAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<LedgerEntry>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(Read(reader));
        return rows;
    }
}

/// <summary>A stream's head as the ledger recorded it on arrival.</summary>
public sealed record LedgerHead(string SourceService, string StreamId, long Version, byte[] LastHash);
