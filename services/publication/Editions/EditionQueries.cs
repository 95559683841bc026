using System.Text.Json;
using Npgsql;
using Ppid.Contracts.Publication;
using Ppid.Platform.EventSourcing;

namespace Ppid.Publication.Editions;

/// <summary>A published edition as stored, with the archive's receipt once it came.</summary>
public sealed record StoredEdition(EditionPublished Edition, string? LedgerRootHash, long? LedgerPosition, DateTimeOffset? ArchivedAt);

public sealed record EditionHeader(int Number, Guid EditionId, DateOnly EffectiveDate, DateTimeOffset PublishedAt, string ContentHash,
    int Entries, int Exemptions, string? LedgerRootHash, long? LedgerPosition);

public static class EditionQueries
{
    public static string StreamId(string tenant, int number) => $"publication-edition-{tenant}-{number}";

    public const string StreamType = "publication.edition";

    public static async Task<StoredEdition?> LatestAsync(NpgsqlDataSource dataSource, string tenant, CancellationToken ct) =>
        await OneAsync(dataSource, "select edition::text, ledger_root_hash, ledger_position, archived_at from editions where tenant = $1 order by number desc limit 1", tenant, null, ct);

    public static async Task<StoredEdition?> ByNumberAsync(NpgsqlDataSource dataSource, string tenant, int number, CancellationToken ct) =>
        await OneAsync(dataSource, "select edition::text, ledger_root_hash, ledger_position, archived_at from editions where tenant = $1 and number = $2", tenant, number, ct);

    public static async Task<IReadOnlyList<EditionHeader>> ListAsync(NpgsqlDataSource dataSource, string tenant, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            """
            select number, edition_id, effective_date, published_at, content_hash, jsonb_array_length(edition->'entries'),
                   jsonb_array_length(edition->'exemptions'), ledger_root_hash, ledger_position
            from editions where tenant = $1 order by number desc
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var list = new List<EditionHeader>();
        while (await reader.ReadAsync(ct))
        {
            list.Add(new EditionHeader(reader.GetInt32(0), reader.GetGuid(1), reader.GetFieldValue<DateOnly>(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetString(4), reader.GetInt32(5), reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetInt64(8)));
        }
        return list;
    }

    /// <summary>Serta-merta entries on the website now, newest first.</summary>
    public static async Task<IReadOnlyList<EntryPublished>> SertaMertaAsync(NpgsqlDataSource dataSource, string tenant, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select entry::text, published_at from serta_merta where tenant = $1 order by published_at desc, item_id");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var list = new List<EntryPublished>();
        while (await reader.ReadAsync(ct))
            list.Add(new EntryPublished(JsonSerializer.Deserialize<DipEntry>(reader.GetString(0), EventJson.Options)!, reader.GetFieldValue<DateTimeOffset>(1)));
        return list;
    }

    private static async Task<StoredEdition?> OneAsync(NpgsqlDataSource dataSource, string sql, string tenant, int? number, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        if (number is { } n) cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = n });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new StoredEdition(JsonSerializer.Deserialize<EditionPublished>(reader.GetString(0), EventJson.Options)!,
            reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3));
    }
}
