using Ppid.Contracts.Classification;
using Ppid.Contracts.Publication;
using Ppid.Publication.Catalog;
using Ppid.Publication.Editions;
using Ppid.Publication.Reports;
using Ppid.Publication.Site;

namespace Ppid.Publication.Tests;

/// <summary>The pure parts: draft building, the publish decision, diff, overdue, filters. No I/O.</summary>
public sealed class DeciderTests
{
    private static readonly DateTimeOffset Now = PublicationWithUpstreams.Start;

    private static CatalogItem Catalogued(Category? category, string title = "Judul", string unit = "SETDA", bool withdrawn = false, DateTimeOffset? updated = null,
        int? interval = null, ExemptItemOpened? opened = null, Guid? id = null)
    {
        var itemId = id ?? Guid.NewGuid();
        var item = Data.Item(itemId, title: title, unit: unit, summary: "Ringkasan " + title, tags: ["tag-" + title]);
        return new CatalogItem(itemId, ItemDetails.From(item), withdrawn, updated ?? item.RegisteredAt,
            category is { } c ? Data.Ratified(itemId, c, interval: interval) : null, opened);
    }

    [Fact]
    public void The_draft_numbers_open_items_by_category_then_unit_then_title_and_leaves_out_unclassified_and_withdrawn_items()
    {
        var draft = Draft.Build(
        [
            Catalogued(Category.SetiapSaat, "B", "A-UNIT"),
            Catalogued(Category.Berkala, "Z", "Z-UNIT"),
            Catalogued(Category.SertaMerta, "M"),
            Catalogued(Category.SetiapSaat, "A", "A-UNIT"),
            Catalogued(null, "Unclassified"),
            Catalogued(Category.Berkala, "Withdrawn", withdrawn: true),
            Catalogued(Category.Dikecualikan, "Exempt"),
        ], null);

        draft.Entries.Select(e => (e.Number, e.Title)).ShouldBe([(1, "M"), (2, "Z"), (3, "A"), (4, "B")]);
        draft.Exemptions.Select(e => (e.Number, e.Title)).ShouldBe([(1, "Exempt")]);
        draft.RatificationIds.Count.ShouldBe(5);
        draft.Entries.Single(e => e.Title == "Z").IntervalMonths.ShouldBe(6);
        draft.Entries.Single(e => e.Title == "A").IntervalMonths.ShouldBeNull();
    }

    [Fact]
    public void A_DIK_entry_takes_only_the_public_parts_of_the_consequence_test()
    {
        var itemId = Guid.NewGuid();
        var item = Data.Item(itemId, title: "Berkas", summary: "SECRET-SUMMARY", tags: ["SECRET-TAG"]);
        var test = Data.Test(exemptPart: "SECRET-PART", publicSummary: "Ringkasan publik", ifOpened: "SECRET-OPENED", ifClosed: "SECRET-CLOSED",
            balance: "SECRET-BALANCE", wholeReason: "SECRET-REASON", redaction: "SECRET-REDACTION", until: new DateOnly(2031, 1, 1));
        var ratified = Data.Ratified(itemId, Category.Dikecualikan, test, decree: "SK-9");

        var dik = Draft.ToDikEntry(1, itemId, ItemDetails.From(item), ratified);

        dik.ShouldBe(new DikEntry(1, itemId, ratified.ClassificationId, "Berkas", "BPKAD", "a", "2", test.LegalBasis, "Ringkasan publik", new DateOnly(2031, 1, 1), "SK-9"));
        System.Text.Json.JsonSerializer.Serialize(dik).ShouldNotContain("SECRET");
    }

    [Fact]
    public void An_item_opened_after_the_last_edition_is_flagged_newly_opened_under_its_new_category()
    {
        var id = Guid.NewGuid();
        var exempt = Catalogued(Category.Dikecualikan, "Memo", id: id);
        var opened = exempt with { Opened = new ExemptItemOpened(exempt.Ratified!.ClassificationId, id, OpeningReason.Expired, null, Category.SetiapSaat, Now) };

        var draft = Draft.Build([opened], Now.AddDays(-1));
        draft.Exemptions.ShouldBeEmpty();
        var entry = draft.Entries.Single();
        entry.NewlyOpened.ShouldBeTrue();
        entry.Category.ShouldBe(Category.SetiapSaat);
        Draft.Build([opened], Now.AddDays(1)).Entries.Single().NewlyOpened.ShouldBeFalse();
    }

    [Fact]
    public void The_content_hash_covers_every_public_field_and_nothing_else()
    {
        var item = Catalogued(Category.Berkala, "Laporan");
        var hash = Draft.Build([item], null).ContentHash;
        hash.Length.ShouldBe(64);
        Draft.Build([item], null).ContentHash.ShouldBe(hash); // deterministic
        Draft.Build([item with { Details = item.Details! with { Summary = "lain" } }], null).ContentHash.ShouldNotBe(hash);
        Draft.Build([item with { Details = item.Details! with { Tags = ["bukan publik"] } }], null).ContentHash.ShouldBe(hash);
    }

    [Fact]
    public void Publishing_takes_the_next_number_and_refuses_an_empty_or_unchanged_draft_or_an_earlier_effective_date()
    {
        var draft = Draft.Build([Catalogued(Category.Berkala)], null);
        var command = new PublishEdition(Guid.NewGuid(), new DateOnly(2027, 4, 1), "ppid-1");

        var first = PublishDecider.Decide(draft, null, command, Now).Events.Single().ShouldBeOfType<EditionPublished>();
        first.Number.ShouldBe(1);
        first.ContentHash.ShouldBe(draft.ContentHash);
        first.PublishedAt.ShouldBe(Now);
        PublishDecider.Decide(draft, new LastEdition(4, new DateOnly(2027, 1, 1), "other"), command, Now).Events.Single().ShouldBeOfType<EditionPublished>().Number.ShouldBe(5);

        PublishDecider.Decide(new DraftContent([], [], []), null, command, Now).Error!.Code.ShouldBe("draft-empty");
        PublishDecider.Decide(draft, new LastEdition(1, new DateOnly(2027, 1, 1), draft.ContentHash), command, Now).Error!.Code.ShouldBe("edition-unchanged");
        PublishDecider.Decide(draft, new LastEdition(1, new DateOnly(2027, 5, 1), "other"), command, Now).Error!.Code.ShouldBe("effective-date-earlier");
    }

    [Fact]
    public void The_diff_names_added_removed_and_changed_fields()
    {
        var kept = Catalogued(Category.Berkala, "Tetap");
        var removed = Catalogued(Category.Berkala, "Dihapus");
        var added = Catalogued(Category.Berkala, "Baru");
        var before = Edition(1, Draft.Build([kept, removed], null));
        var after = Edition(2, Draft.Build([kept with { Details = kept.Details! with { Summary = "Ringkasan baru", ProductionPlace = "Jambi" } }, added], null));

        var diff = Comparisons.Diff(before, after);

        diff.Added.Select(a => a.Title).ShouldBe(["Baru"]);
        diff.Removed.Select(r => r.Title).ShouldBe(["Dihapus"]);
        diff.Changed.Single().Fields.Select(f => f.Field).ShouldBe(["productionPlace", "summary"]); // the number moved too, but is not compared
        diff.Changed.Single().Fields.Single(f => f.Field == "summary").To!.Value.GetString().ShouldBe("Ringkasan baru");
    }

    [Fact]
    public void Berkala_items_not_updated_within_their_interval_are_overdue()
    {
        var stale = Catalogued(Category.Berkala, "Lama", updated: Now.AddMonths(-7));
        var quarterly = Catalogued(Category.Berkala, "Triwulan", updated: Now.AddMonths(-5), interval: 3);
        var fresh = Catalogued(Category.Berkala, "Baru", updated: Now.AddMonths(-2));
        var notBerkala = Catalogued(Category.SetiapSaat, "Setiap saat", updated: Now.AddYears(-3));

        var overdue = Comparisons.Overdue([stale, quarterly, fresh, notBerkala], Now);

        overdue.Select(o => (o.Title, o.IntervalMonths)).ShouldBe([("Triwulan", 3), ("Lama", 6)]); // longest overdue first
        overdue[1].DueAt.ShouldBe(Now.AddMonths(-1));
    }

    [Fact]
    public void Filters_match_category_unit_and_search_over_public_fields_only()
    {
        var draft = Draft.Build([Catalogued(Category.Berkala, "Anggaran", "BPKAD"), Catalogued(Category.SetiapSaat, "Perda", "SETDA")], null);

        Pages.Filter(draft.Entries, "berkala", null, null).Single().Title.ShouldBe("Anggaran");
        Pages.Filter(draft.Entries, null, "SETDA", null).Single().Title.ShouldBe("Perda");
        Pages.Filter(draft.Entries, null, null, "ringkasan perda").Single().Title.ShouldBe("Perda");
        Pages.Filter(draft.Entries, null, null, "tag-Perda").ShouldBeEmpty(); // tags are not public
    }

    private static EditionPublished Edition(int number, DraftContent draft) =>
        new(Guid.NewGuid(), number, new DateOnly(2027, 1, number), draft.Entries, draft.Exemptions, draft.RatificationIds, draft.ContentHash, "ppid", Now);
}
