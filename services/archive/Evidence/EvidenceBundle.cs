using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Npgsql;
using Ppid.Archive.Auditing;
using Ppid.Archive.Editions;
using Ppid.Archive.Ledger;
using Ppid.Platform.EventSourcing;

namespace Ppid.Archive.Evidence;

/// <summary>One ledger row as written to <c>events.jsonl</c>: every field the hash covers, data and metadata as the source stored them.</summary>
public sealed record BundledEvent(
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
    string Hash)
{
    public static BundledEvent From(LedgerEntry e) => new(e.Sequence, e.SourceService, e.EventId, e.StreamId, e.StreamVersion, e.SourcePosition,
        e.SourceTransactionId, e.Type, e.SchemaVersion, e.Data, e.Metadata, e.RecordedAt, e.Tenant, Convert.ToHexStringLower(e.Hash));

    public LedgerEntry ToEntry() => new(Sequence, SourceService, EventId, StreamId, StreamVersion, SourcePosition, SourceTransactionId, Type,
        SchemaVersion, Data, Metadata, RecordedAt, Tenant, Convert.FromHexString(Hash), true);
}

/// <summary>An archived edition as listed in <c>editions.json</c>; its files sit under <c>editions/</c> unless disposed.</summary>
public sealed record BundledEdition(Guid EditionId, int Number, string ContentSha256, string PdfSha256, string DeclaredContentHash, long LedgerSequence, string LedgerRootHash, bool Disposed);

/// <summary>
/// The evidence bundle for a dispute: a zip holding <c>events.jsonl</c> (the tenant's whole ledger
/// in stream order), <c>heads.txt</c> (the lines of the root over all stream heads, and the root),
/// <c>editions.json</c> with <c>editions/edition-N.json|.pdf</c>, <c>verification-report.json</c>,
/// for a disputed item (<c>itemId=</c>) its <c>item-ID/history.json</c> and <c>item-ID/timeline.html</c>,
/// and <c>hashes.txt</c> (SHA-256 of every other file). Everything in it can be checked with the
/// bundle alone: the event chains (see EventHashing), the roots, the file hashes. See README.md.
/// </summary>
public static class EvidenceBundle
{
    public static readonly JsonSerializerOptions Json = new(EventJson.Options) { WriteIndented = false };
    private static readonly JsonSerializerOptions Indented = new(EventJson.Options) { WriteIndented = true };

    public static async Task<byte[]> BuildAsync(NpgsqlDataSource db, string tenant, DateTimeOffset now, Guid? itemId, CancellationToken ct)
    {
        var rows = await LedgerQueries.StreamOrderAsync(db, tenant, null, ct);
        var report = await AuditingEndpoints.VerifyTenantAsync(db, tenant, now, ct);
        var files = new List<(string Name, byte[] Bytes)>();

        var events = new StringBuilder();
        foreach (var row in rows) events.Append(JsonSerializer.Serialize(BundledEvent.From(row), Json)).Append('\n');
        files.Add(("events.jsonl", Encoding.UTF8.GetBytes(events.ToString())));

        var heads = RootHash.HeadsOf(rows);
        files.Add(("heads.txt", Encoding.UTF8.GetBytes(RootHash.Lines(heads) + "root " + RootHash.Compute(heads) + "\n")));

        var editions = new List<BundledEdition>();
        await using (var cmd = db.CreateCommand(
            """
            select edition_id, number, content, content_sha256, pdf, pdf_sha256, declared_hash, ledger_sequence, root_hash, disposed_at is not null
              from archived_editions where tenant = $1 order by number
            """))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var number = reader.GetInt32(1);
                editions.Add(new BundledEdition(reader.GetGuid(0), number, reader.GetString(3), reader.GetString(5), reader.GetString(6), reader.GetInt64(7), reader.GetString(8), reader.GetBoolean(9)));
                if (!reader.IsDBNull(2)) files.Add(($"editions/edition-{number.ToString(CultureInfo.InvariantCulture)}.json", Encoding.UTF8.GetBytes(reader.GetString(2))));
                if (!reader.IsDBNull(4)) files.Add(($"editions/edition-{number.ToString(CultureInfo.InvariantCulture)}.pdf", (byte[])reader[4]));
            }
        }
        files.Add(("editions.json", JsonSerializer.SerializeToUtf8Bytes(editions, Json)));
        if (itemId is { } item)
        {
            // The disputed item's history and printable timeline, replayed from the same rows.
            var history = ItemHistory.Build(item, await LedgerQueries.ForItemAsync(db, tenant, item, null, ct));
            files.Add(($"item-{item}/history.json", JsonSerializer.SerializeToUtf8Bytes(history, Indented)));
            files.Add(($"item-{item}/timeline.html", Encoding.UTF8.GetBytes(Timeline.Render(tenant, history, now))));
        }
        files.Add(("verification-report.json", JsonSerializer.SerializeToUtf8Bytes(report, Indented)));

        var hashes = new StringBuilder();
        foreach (var (name, bytes) in files) hashes.Append(CultureInfo.InvariantCulture, $"{EditionArchiver.Sha256Hex(bytes)}  {name}\n");

        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in files.Append(("hashes.txt", Encoding.UTF8.GetBytes(hashes.ToString()))))
            {
                var entry = archive.CreateEntry(name, CompressionLevel.Optimal);
                await using var stream = await entry.OpenAsync(ct);
                await stream.WriteAsync(bytes, ct);
            }
        }
        return zip.ToArray();
    }
}
