using System.Security.Cryptography;
using System.Text.Json;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Publication;
using Ppid.Platform.EventSourcing;
using Ppid.Publication.Catalog;

namespace Ppid.Publication.Editions;

/// <summary>The public content of a would-be edition: numbered DIP and DIK entries and the ratifications behind them.</summary>
public sealed record DraftContent(IReadOnlyList<DipEntry> Entries, IReadOnlyList<DikEntry> Exemptions, IReadOnlyList<Guid> RatificationIds)
{
    public string ContentHash => Draft.ContentHash(Entries, Exemptions);
}

/// <summary>
/// Turns the private catalog into the public model. This is the ONLY place where catalog data
/// crosses into public types: a DIP entry takes the registry's fields a–g of an open item; a DIK
/// entry takes only the title, holding unit, Pasal 17 ground, legal basis, the consequence
/// test's public summary, the period and the decree number, never the item's summary, tags,
/// documents or any other part of the consequence test.
/// </summary>
public static class Draft
{
    public static DraftContent Build(IReadOnlyList<CatalogItem> catalog, DateTimeOffset? lastEditionPublishedAt)
    {
        var listable = catalog.Where(i => i.Listable).ToList();
        var open = listable.Where(i => i.Category != Category.Dikecualikan)
            .OrderBy(i => CategoryOrder(i.Category!.Value))
            .ThenBy(i => i.Details!.HoldingUnit, StringComparer.Ordinal)
            .ThenBy(i => i.Details!.Title, StringComparer.Ordinal)
            .ThenBy(i => i.ItemId)
            .Select((i, n) => ToDipEntry(n + 1, i.ItemId, i.Details!, i.Ratified!, IsNewlyOpened(i, lastEditionPublishedAt), i.Opened?.OpenedAs))
            .ToList();
        var exempt = listable.Where(i => i.Category == Category.Dikecualikan)
            .OrderBy(i => i.Details!.HoldingUnit, StringComparer.Ordinal)
            .ThenBy(i => i.Details!.Title, StringComparer.Ordinal)
            .ThenBy(i => i.ItemId)
            .Select((i, n) => ToDikEntry(n + 1, i.ItemId, i.Details!, i.Ratified!))
            .ToList();
        var ratifications = listable.Select(i => i.Ratified!.ClassificationId).Distinct().Order().ToList();
        return new DraftContent(open, exempt, ratifications);
    }

    /// <summary>Opened since the last edition (or never published before): flagged "baru dibuka".</summary>
    public static bool IsNewlyOpened(CatalogItem item, DateTimeOffset? lastEditionPublishedAt) =>
        item.Opened is { } o && (lastEditionPublishedAt is null || o.OpenedAt > lastEditionPublishedAt);

    public static int CategoryOrder(Category category) => category switch
    {
        Category.SertaMerta => 0,
        Category.Berkala => 1,
        Category.SetiapSaat => 2,
        _ => 3,
    };

    public static DipEntry ToDipEntry(int number, Guid itemId, ItemDetails d, ClassificationRatified ratified, bool newlyOpened, Category? openedAs = null)
    {
        var category = openedAs ?? ratified.Category;
        return new DipEntry(number, itemId, ratified.ClassificationId, category,
            category == Category.Berkala ? ratified.IntervalMonths ?? DefaultBerkalaMonths : null,
            d.Title, d.Summary, d.HoldingUnit, d.ResponsibleOfficial, d.ProductionDate, d.ProductionPlace, d.Forms, d.RecordClass,
            $"Sesuai JRA, kelas arsip {d.RecordClass}", ratified.Decree.Number, newlyOpened);
    }

    public static DikEntry ToDikEntry(int number, Guid itemId, ItemDetails d, ClassificationRatified ratified)
    {
        var test = ratified.ConsequenceTest;
        return new DikEntry(number, itemId, ratified.ClassificationId, d.Title, d.HoldingUnit,
            test?.Pasal17Letter ?? "-", test?.Pasal17SubPoint, test?.LegalBasis ?? "-", test?.PublicSummary ?? "-", test?.ExemptUntil, ratified.Decree.Number);
    }

    /// <summary>Pasal 9: berkala information is published at least every six months.</summary>
    public const int DefaultBerkalaMonths = 6;

    /// <summary>
    /// SHA-256, lowercase hex, of the UTF-8 canonical JSON of <c>{"entries": [...], "exemptions": [...]}</c>,
    /// the two arrays exactly as in the EditionPublished event and the JSON download (camelCase
    /// names, enums as kebab-case strings, dates yyyy-MM-dd). Canonical: object keys sorted by
    /// ordinal UTF-16 order, no whitespace, minimal string escapes (the platform's CanonicalJson).
    /// </summary>
    public static string ContentHash(IReadOnlyList<DipEntry> entries, IReadOnlyList<DikEntry> exemptions)
    {
        var element = JsonSerializer.SerializeToElement(new { entries, exemptions }, EventJson.Options);
        return Convert.ToHexStringLower(SHA256.HashData(CanonicalJson.ToBytes(element)));
    }
}
