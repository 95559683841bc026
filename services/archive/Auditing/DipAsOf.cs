using System.Text.Json.Nodes;
using Npgsql;
using Ppid.Archive.Ledger;

namespace Ppid.Archive.Auditing;

/// <summary>The edition in force at an instant: the latest EditionPublished with PublishedAt at or before it.</summary>
public static class DipAsOf
{
    public static async Task<DipAsOfResponse?> FindAsync(NpgsqlDataSource db, string tenant, DateTimeOffset at, CancellationToken ct)
    {
        LedgerEntry? edition;
        await using (var cmd = db.CreateCommand(
            $"""
            select {LedgerEntry.Columns} from ledger
             where tenant = $1 and type = 'publication.edition-published.v1' and (data::jsonb ->> 'publishedAt')::timestamptz <= $2
             order by (data::jsonb ->> 'publishedAt')::timestamptz desc, sequence desc limit 1
            """))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
            edition = (await LedgerEntry.ReadAllAsync(cmd, ct)).SingleOrDefault();
        }
        if (edition is null) return null;
        var content = JsonNode.Parse(edition.Data)!.AsObject();
        var publishedAt = content["publishedAt"]!.GetValue<DateTimeOffset>();

        string? root = null;
        long? rootPosition = null;
        await using (var cmd = db.CreateCommand("select root_hash, ledger_sequence from archived_editions where edition_id = $1 and tenant = $2"))
        {
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = content["editionId"]!.GetValue<Guid>() });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct)) { root = reader.GetString(0); rootPosition = reader.GetInt64(1); }
        }

        // Serta-merta items go on the website at once, between editions: the public saw them too.
        var sertaMerta = new List<JsonNode>();
        await using (var cmd = db.CreateCommand(
            """
            select data from ledger
             where tenant = $1 and type = 'publication.entry-published.v1'
               and (data::jsonb ->> 'publishedAt')::timestamptz > $2 and (data::jsonb ->> 'publishedAt')::timestamptz <= $3
             order by (data::jsonb ->> 'publishedAt')::timestamptz, sequence
            """))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = publishedAt });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) sertaMerta.Add(JsonNode.Parse(reader.GetString(0))!);
        }

        return new DipAsOfResponse(at, content["editionId"]!.GetValue<Guid>(), content["number"]!.GetValue<int>(),
            DateOnly.Parse(content["effectiveDate"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), publishedAt,
            content["contentHash"]!.GetValue<string>(), content,
            new LedgerProof(edition.Sequence, edition.SourceService, edition.StreamId, edition.StreamVersion, edition.EventId,
                Convert.ToHexStringLower(edition.Hash), root, rootPosition),
            sertaMerta);
    }
}
