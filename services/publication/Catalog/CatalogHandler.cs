using System.Text.Json;
using Npgsql;
using Ppid.Contracts.Archive;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Publication;
using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Messaging;
using Ppid.Publication.Editions;
using Ppid.Publication.Site;

namespace Ppid.Publication.Catalog;

/// <summary>
/// Keeps the per-tenant catalog from the registry's item events, the classification's
/// ratifications and openings, and the archive's receipts. Its effects are written on the
/// inbox's transaction, so each event counts exactly once. The serta-merta fast path appends
/// <see cref="EntryPublished"/> in that same transaction.
/// </summary>
public sealed class CatalogHandler(EventStore store, ILogger<CatalogHandler> logger) : IEventHandler
{
    public const string Queue = "publication.catalog";

    public static Subscription Subscription => new(Queue, typeof(CatalogHandler), ["registry.item", "classification.classification", "archive.edition"]);

    public async Task HandleAsync(IncomingEvent e, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        var db = new Db(connection, transaction, ct);
        switch (e.Data)
        {
            case InformationItemRegistered x:
                await db.ExecAsync(
                    """
                    insert into catalog (item_id, tenant, details, item_updated_at) values ($1, $2, $3::jsonb, $4)
                    on conflict (item_id) do update set details = excluded.details, item_updated_at = excluded.item_updated_at
                    """, x.ItemId, e.Tenant, Json(ItemDetails.From(x)), x.RegisteredAt);
                await db.EnsureTenantAsync(e.Tenant, x.RegisteredAt);
                await PublishSertaMertaIfDueAsync(db, e, x.ItemId);
                break;
            case InformationItemRevised x:
                var details = await db.DetailsAsync(x.ItemId)
                    ?? throw new InvalidOperationException($"Item {x.ItemId} was revised before publication saw it registered (stream order is guaranteed, so the catalog is damaged).");
                await db.ExecAsync("update catalog set details = $2::jsonb, item_updated_at = $3 where item_id = $1", x.ItemId, Json(details.Apply(x)), x.RevisedAt);
                await PublishSertaMertaIfDueAsync(db, e, x.ItemId, republish: true); // the website shows the revised fields at once
                break;
            case DocumentAttached x:
                await db.ExecAsync("update catalog set item_updated_at = $2 where item_id = $1", x.ItemId, x.AttachedAt);
                break;
            case DocumentDetached x:
                await db.ExecAsync("update catalog set item_updated_at = $2 where item_id = $1", x.ItemId, x.DetachedAt);
                break;
            case InformationItemWithdrawn x:
                await db.ExecAsync("update catalog set withdrawn = true where item_id = $1", x.ItemId);
                // A withdrawn serta-merta item leaves the website at once.
                if (await db.ExecAsync("delete from serta_merta where item_id = $1", x.ItemId) > 0) await db.BumpAsync(e.Tenant, x.WithdrawnAt);
                break;
            case InformationItemReinstated x:
                await db.ExecAsync("update catalog set withdrawn = false where item_id = $1", x.ItemId);
                await PublishSertaMertaIfDueAsync(db, e, x.ItemId, republish: true);
                break;
            case ClassificationRatified x:
                await RatifiedAsync(db, e, x);
                break;
            case ExemptItemOpened x:
                // Only an opening of the classification in force counts (a later ratification replaces it).
                var opened = await db.ExecAsync(
                    "update catalog set opened = $2::jsonb, opened_at = $3 where item_id = $1 and ratified->>'classificationId' = $4",
                    x.ItemId, Json(x), x.OpenedAt, x.ClassificationId.ToString());
                if (opened > 0) await db.BumpAsync(e.Tenant, x.OpenedAt);
                else logger.LogWarning("Opening of classification {ClassificationId} ignored: item {ItemId} is not under it", x.ClassificationId, x.ItemId);
                break;
            case EditionArchived x:
                if (await db.ExecAsync("update editions set ledger_root_hash = $2, ledger_position = $3, archived_at = $4 where edition_id = $1",
                        x.EditionId, x.LedgerRootHash, x.LedgerPosition, x.ArchivedAt) > 0)
                    await db.BumpAsync(e.Tenant, x.ArchivedAt);
                break;
            default:
                break; // the classification workflow's other events and the archive's record keeping: not ours
        }
    }

    private async Task RatifiedAsync(Db db, IncomingEvent e, ClassificationRatified x)
    {
        // Ratifications of one item come on different classification streams: the latest ratification wins.
        var inForce = await db.ExecAsync(
            """
            insert into catalog (item_id, tenant, ratified, ratified_at) values ($1, $2, $3::jsonb, $4)
            on conflict (item_id) do update set ratified = excluded.ratified, ratified_at = excluded.ratified_at, opened = null, opened_at = null
                where catalog.ratified_at is null or catalog.ratified_at <= excluded.ratified_at
            """, x.ItemId, e.Tenant, Json(x), x.RatifiedAt);
        await db.EnsureTenantAsync(e.Tenant, x.RatifiedAt);
        if (inForce == 0)
        {
            logger.LogInformation("Ratification {ClassificationId} of item {ItemId} is older than the one in force: ignored", x.ClassificationId, x.ItemId);
            return;
        }
        if (x.Category != Category.SertaMerta && await db.ExecAsync("delete from serta_merta where item_id = $1", x.ItemId) > 0)
            await db.BumpAsync(e.Tenant, x.RatifiedAt);
        await PublishSertaMertaIfDueAsync(db, e, x.ItemId);
    }

    /// <summary>
    /// Serta-merta: publish the entry as soon as both the item's fields and its ratification are
    /// here (they travel on different streams, in either order), once per classification; again
    /// (<paramref name="republish"/>) when the registry revises or reinstates a serta-merta item.
    /// </summary>
    private async Task PublishSertaMertaIfDueAsync(Db db, IncomingEvent e, Guid itemId, bool republish = false)
    {
        await using var cmd = new NpgsqlCommand(
            "select details::text, withdrawn, ratified::text, entry_published_for from catalog where item_id = $1 for update", db.Connection, db.Transaction);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = itemId });
        string? detailsJson, ratifiedJson;
        bool withdrawn;
        Guid? publishedFor;
        await using (var reader = await cmd.ExecuteReaderAsync(db.Ct))
        {
            if (!await reader.ReadAsync(db.Ct)) return;
            detailsJson = reader.IsDBNull(0) ? null : reader.GetString(0);
            withdrawn = reader.GetBoolean(1);
            ratifiedJson = reader.IsDBNull(2) ? null : reader.GetString(2);
            publishedFor = reader.IsDBNull(3) ? null : reader.GetGuid(3);
        }
        if (detailsJson is null || ratifiedJson is null || withdrawn) return;
        var ratified = JsonSerializer.Deserialize<ClassificationRatified>(ratifiedJson, EventJson.Options)!;
        if (ratified.Category != Category.SertaMerta || (!republish && publishedFor == ratified.ClassificationId)) return;
        var details = JsonSerializer.Deserialize<ItemDetails>(detailsJson, EventJson.Options)!;
        var entry = Draft.ToDipEntry(0, itemId, details, ratified, newlyOpened: false);
        var published = new EntryPublished(entry, e.RecordedAt > ratified.RatifiedAt ? e.RecordedAt : ratified.RatifiedAt);
        await store.AppendAsync(db.Connection, db.Transaction, EntryStreams.Id(itemId), EntryStreams.Type, ExpectedVersion.Any,
            [new EventData(published)], EventMetadata.System(e.Tenant, PublicationModule.ServiceName, e.Metadata.CorrelationId, e.EventId.ToString()), db.Ct);
        await db.ExecAsync("update catalog set entry_published_for = $2 where item_id = $1", itemId, ratified.ClassificationId);
        logger.LogInformation("Serta-merta item {ItemId} published at once for tenant {Tenant}", itemId, e.Tenant);
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, EventJson.Options);
}

/// <summary>The publication.entry streams of the serta-merta fast path: one per item.</summary>
public static class EntryStreams
{
    public const string Type = "publication.entry";

    public static string Id(Guid itemId) => $"publication-entry-{itemId}";
}

/// <summary>Small helper for commands on one connection and transaction.</summary>
internal sealed record Db(NpgsqlConnection Connection, NpgsqlTransaction Transaction, CancellationToken Ct)
{
    public async Task<int> ExecAsync(string sql, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, Connection, Transaction);
        // timestamptz takes UTC offsets only
        foreach (var arg in args) cmd.Parameters.Add(new NpgsqlParameter { Value = arg is DateTimeOffset t ? t.ToUniversalTime() : arg });
        return await cmd.ExecuteNonQueryAsync(Ct);
    }

    public async Task<ItemDetails?> DetailsAsync(Guid itemId)
    {
        await using var cmd = new NpgsqlCommand("select details::text from catalog where item_id = $1", Connection, Transaction);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = itemId });
        return await cmd.ExecuteScalarAsync(Ct) is string json ? JsonSerializer.Deserialize<ItemDetails>(json, EventJson.Options) : null;
    }

    public Task EnsureTenantAsync(string tenant, DateTimeOffset at) => SiteState.EnsureAsync(Connection, Transaction, tenant, at, Ct);

    public Task BumpAsync(string tenant, DateTimeOffset at) => SiteState.BumpAsync(Connection, Transaction, tenant, at, Ct);
}
