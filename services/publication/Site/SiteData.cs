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

    /// <summary>Items opened after the edition in force: public at once, in the DIP from the next edition.</summary>
    public static IReadOnlyList<DipEntry> NewlyOpenedSince(IReadOnlyList<CatalogItem> catalog, DateTimeOffset? lastEditionPublishedAt) =>
        [.. catalog.Where(i => i.Listable && Draft.IsNewlyOpened(i, lastEditionPublishedAt) && i.Category != Contracts.Classification.Category.Dikecualikan)
            .OrderByDescending(i => i.Opened!.OpenedAt).ThenBy(i => i.ItemId)
            .Select(i => Draft.ToDipEntry(0, i.ItemId, i.Details!, i.Ratified!, newlyOpened: true, i.Opened!.OpenedAs))];
}
