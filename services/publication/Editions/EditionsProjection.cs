using System.Text.Json;
using Npgsql;
using Ppid.Contracts.Publication;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Projections;
using Ppid.Publication.Site;

namespace Ppid.Publication.Editions;

/// <summary>
/// Inline: an edition or a serta-merta entry is in the read tables (and the site version moved)
/// in the same transaction that stores its event, so the website shows it as soon as it is committed.
/// </summary>
public sealed class EditionsProjection : IProjection
{
    private static readonly string EditionType = "publication.edition-published.v1";
    private static readonly string EntryType = "publication.entry-published.v1";

    public string Name => "publication.editions";

    public bool Handles(string eventType) => eventType == EditionType || eventType == EntryType;

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
    {
        foreach (var e in batch.Events)
        {
            switch (e.Data)
            {
                case EditionPublished x:
                    await using (var cmd = new NpgsqlCommand(
                        """
                        insert into editions (tenant, number, edition_id, effective_date, published_at, content_hash, edition)
                        values ($1, $2, $3, $4, $5, $6, $7::jsonb)
                        """, batch.Connection, batch.Transaction))
                    {
                        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Tenant });
                        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = x.Number });
                        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = x.EditionId });
                        cmd.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = x.EffectiveDate });
                        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = x.PublishedAt.ToUniversalTime() });
                        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = x.ContentHash });
                        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(x, EventJson.Options) });
                        await cmd.ExecuteNonQueryAsync(ct);
                    }
                    await SiteState.BumpAsync(batch.Connection, batch.Transaction, e.Tenant, x.PublishedAt, ct);
                    break;
                case EntryPublished x:
                    await using (var cmd = new NpgsqlCommand(
                        """
                        insert into serta_merta (item_id, tenant, classification_id, entry, published_at) values ($1, $2, $3, $4::jsonb, $5)
                        on conflict (item_id) do update set classification_id = excluded.classification_id, entry = excluded.entry, published_at = excluded.published_at
                        """, batch.Connection, batch.Transaction))
                    {
                        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = x.Entry.ItemId });
                        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Tenant });
                        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = x.Entry.ClassificationId });
                        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(x.Entry, EventJson.Options) });
                        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = x.PublishedAt.ToUniversalTime() });
                        await cmd.ExecuteNonQueryAsync(ct);
                    }
                    await SiteState.BumpAsync(batch.Connection, batch.Transaction, e.Tenant, x.PublishedAt, ct);
                    break;
                default:
                    throw new InvalidOperationException($"The editions projection does not handle {e.Stored.Type}.");
            }
        }
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("delete from editions; delete from serta_merta", connection, transaction);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
