using System.Text.Json;
using Npgsql;
using Ppid.Contracts.Publication;
using Ppid.Platform.EventSourcing;
using Ppid.Publication.Catalog;
using Ppid.Publication.Editions;

namespace Ppid.Publication.Site;

/// <summary>
/// Everything the public website may show for a tenant, in public types only (DipEntry,
/// DikEntry, EditionPublished): the edition in force, the serta-merta entries published since,
/// and the items opened since that edition.
/// </summary>
public sealed record SiteData(StoredEdition? Current, IReadOnlyList<EntryPublished> SertaMerta, IReadOnlyList<DipEntry> NewlyOpened)
{
    public static async Task<SiteData> LoadAsync(EventStore store, string tenant, CancellationToken ct)
    {
        var current = await EditionQueries.LatestAsync(store.DataSource, tenant, ct);
        var sertaMerta = await EditionQueries.SertaMertaAsync(store.DataSource, tenant, ct);
        var catalog = await CatalogQueries.LoadOpenedAsync(store.DataSource, tenant, ct);
        return new SiteData(current, sertaMerta, NewlyOpenedSince(catalog, current?.Edition.PublishedAt));
    }

    /// <summary>
    /// What the public may see of one item, read by key in one round trip instead of loading the
    /// whole site: its DIP entry (serta-merta first, then newly opened, then the edition in force,
    /// the order of <see cref="LoadAsync"/>'s lists) or else its DIK entry in the edition in force.
    /// </summary>
    public static async Task<(DipEntry? Open, DikEntry? Exempt)> ItemAsync(EventStore store, string tenant, Guid itemId, CancellationToken ct)
    {
        await using var batch = store.DataSource.CreateBatch();
        batch.BatchCommands.Add(Command("select entry::text from serta_merta where item_id = $2 and tenant = $1"));
        // The edition in force (the latest) and the item's entry in it; jsonb_path_query_first
        // finds it inside PostgreSQL without sending the whole edition.
        batch.BatchCommands.Add(Command(
            """
            select published_at,
                   jsonb_path_query_first(edition->'entries', '$[*] ? (@.itemId == $id)', jsonb_build_object('id', $2::text))::text,
                   jsonb_path_query_first(edition->'exemptions', '$[*] ? (@.itemId == $id)', jsonb_build_object('id', $2::text))::text
              from editions where tenant = $1 order by number desc limit 1
            """));
        batch.BatchCommands.Add(Command($"select {CatalogQueries.Columns} from catalog where item_id = $2 and tenant = $1 and opened is not null"));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var sertaMerta = await reader.ReadAsync(ct) ? JsonSerializer.Deserialize<DipEntry>(reader.GetString(0), EventJson.Options) : null;
        await reader.NextResultAsync(ct);
        DateTimeOffset? editionPublishedAt = null;
        DipEntry? inEdition = null;
        DikEntry? exempt = null;
        if (await reader.ReadAsync(ct))
        {
            editionPublishedAt = reader.GetFieldValue<DateTimeOffset>(0);
            inEdition = reader.IsDBNull(1) ? null : JsonSerializer.Deserialize<DipEntry>(reader.GetString(1), EventJson.Options);
            exempt = reader.IsDBNull(2) ? null : JsonSerializer.Deserialize<DikEntry>(reader.GetString(2), EventJson.Options);
        }
        await reader.NextResultAsync(ct);
        IReadOnlyList<CatalogItem> opened = await reader.ReadAsync(ct) ? [CatalogQueries.Read(reader)] : [];
        var newlyOpened = NewlyOpenedSince(opened, editionPublishedAt);
        var open = sertaMerta ?? (newlyOpened.Count > 0 ? newlyOpened[0] : null) ?? inEdition;
        return (open, open is null ? exempt : null);

        NpgsqlBatchCommand Command(string sql) => new(sql)
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = tenant }, new NpgsqlParameter<Guid> { TypedValue = itemId } },
        };
    }

    /// <summary>Items opened after the edition in force: public at once, in the DIP from the next edition.</summary>
    public static IReadOnlyList<DipEntry> NewlyOpenedSince(IReadOnlyList<CatalogItem> catalog, DateTimeOffset? lastEditionPublishedAt) =>
        [.. catalog.Where(i => i.Listable && Draft.IsNewlyOpened(i, lastEditionPublishedAt) && i.Category != Contracts.Classification.Category.Dikecualikan)
            .OrderByDescending(i => i.Opened!.OpenedAt).ThenBy(i => i.ItemId)
            .Select(i => Draft.ToDipEntry(0, i.ItemId, i.Details!, i.Ratified!, newlyOpened: true, i.Opened!.OpenedAs))];
}
