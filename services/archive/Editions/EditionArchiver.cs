using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Ppid.Archive.Ledger;
using Ppid.Contracts.Archive;
using Ppid.Contracts.Publication;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Messaging;

namespace Ppid.Archive.Editions;

/// <summary>
/// Archives a published edition inside the ledger's transaction: keeps its content and rendered
/// PDF with their SHA-256, its retention (the tenant's JRA class for DIP editions, else permanent),
/// and appends <see cref="EditionArchived"/> with the root hash over the tenant's ledger up to the
/// edition's own ledger entry.
/// </summary>
public sealed class EditionArchiver(EventStore store, TimeProvider clock, ILogger<EditionArchiver> logger)
{
    public const string StreamType = "archive.edition";

    public static string StreamId(Guid editionId) => $"archived-edition-{editionId}";

    public async Task ArchiveAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IncomingEvent e, EditionPublished edition, long ledgerSequence, CancellationToken ct)
    {
        var content = CanonicalJson.ToText(e.DataJson);
        var contentHash = Sha256Hex(Encoding.UTF8.GetBytes(content));
        var pdf = EditionPdf.Render(e.Tenant, edition);
        var pdfHash = Sha256Hex(pdf);
        var retention = await RetentionFor(connection, tx, e.Tenant, edition.EffectiveDate, ct);
        var heads = await LedgerQueries.HeadsAsync(connection, tx, e.Tenant, ledgerSequence, ct);
        var root = RootHash.Compute(heads);
        var now = EventHashing.TruncateToMicroseconds(clock.GetUtcNow());

        await using (var insert = new NpgsqlCommand(
            """
            insert into archived_editions (edition_id, tenant, number, effective_date, published_at, published_by, content, content_sha256, declared_hash,
                                           pdf, pdf_sha256, record_class, disposition, retain_until, ledger_sequence, root_hash, archived_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
            on conflict (edition_id) do nothing
            """, connection, tx))
        {
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = edition.EditionId });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Tenant });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = edition.Number });
            insert.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = edition.EffectiveDate });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = edition.PublishedAt });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = edition.PublishedBy });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = content });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = contentHash });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = edition.ContentHash });
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = pdf });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = pdfHash });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)retention.RecordClass ?? DBNull.Value });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = retention.Disposition });
            insert.Parameters.Add(new NpgsqlParameter { Value = retention.RetainUntil is { } until ? until : DBNull.Value });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ledgerSequence });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = root });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            if (await insert.ExecuteNonQueryAsync(ct) == 0) return; // archived already (a republished copy of the same edition)
        }

        var metadata = EventMetadata.System(e.Tenant, "archive", e.Metadata.CorrelationId, e.EventId.ToString());
        await store.AppendAsync(connection, tx, StreamId(edition.EditionId), StreamType, ExpectedVersion.NoStream,
            [new EventData(new EditionArchived(edition.EditionId, edition.Number, edition.ContentHash, root, ledgerSequence, now))], metadata, ct);
        logger.LogInformation("Archived edition {Number} of {Tenant} at ledger position {Position}, root {Root}", edition.Number, e.Tenant, ledgerSequence, root);
    }

    public static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private sealed record Retention(string? RecordClass, string Disposition, DateOnly? RetainUntil);

    /// <summary>DIP editions are permanent unless the tenant configured a JRA class that says otherwise.</summary>
    private static async Task<Retention> RetentionFor(NpgsqlConnection connection, NpgsqlTransaction tx, string tenant, DateOnly effective, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select record_class, active_years, inactive_years, disposition from retention_settings where tenant = $1", connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return new Retention(null, "permanent", null);
        var disposition = reader.GetString(3);
        return new Retention(reader.GetString(0), disposition,
            disposition == "permanent" ? null : effective.AddYears(reader.GetInt32(1) + reader.GetInt32(2)));
    }
}
