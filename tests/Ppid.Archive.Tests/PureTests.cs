using System.Text;
using System.Text.Json.Nodes;
using Ppid.Archive.Auditing;
using Ppid.Archive.Editions;
using Ppid.Archive.Ledger;
using Ppid.Contracts.Archive;
using Ppid.Platform.EventSourcing;
using Ppid.Testing;
using Shouldly;
using Xunit;

namespace Ppid.Archive.Tests;

/// <summary>The archive's pure parts, without I/O.</summary>
public sealed class PureTests
{
    private static readonly DateTimeOffset Now = new(2027, 1, 10, 3, 0, 0, TimeSpan.Zero);

    private static ArchivedRecord Record(string disposition = "destroy", DateOnly? until = null, bool hold = false, bool disposed = false) =>
        new(Guid.NewGuid(), 3, "900.1", disposition, disposition == "permanent" ? null : until ?? new DateOnly(2026, 12, 31), hold, disposed, "c0", "p0");

    [Fact]
    public void Disposal_after_retention_without_hold_records_what_was_destroyed_and_by_whose_decision()
    {
        var record = Record();
        var decision = RecordDecider.Dispose(record, new DisposeEdition("SK-1", "Kepala Arsip"), Now);
        var disposed = decision.Events.ShouldHaveSingleItem().ShouldBeOfType<EditionDisposed>();
        disposed.ShouldBe(new EditionDisposed(record.EditionId, 3, "SK-1", "Kepala Arsip", "900.1", new DateOnly(2026, 12, 31), "c0", "p0", Now));
    }

    [Theory]
    [InlineData("permanent", false, false, 2026, "permanent-record")]
    [InlineData("review", false, false, 2026, "not-for-destruction")]
    [InlineData("destroy", true, false, 2026, "legal-hold")]
    [InlineData("destroy", false, true, 2026, "already-disposed")]
    [InlineData("destroy", false, false, 2027, "retention-not-passed")]
    public void Disposal_is_refused_for_permanent_unreviewed_held_disposed_or_still_retained_records(string disposition, bool hold, bool disposed, int untilYear, string code)
    {
        var decision = RecordDecider.Dispose(Record(disposition, new DateOnly(untilYear, 1, 10), hold, disposed), new DisposeEdition("SK-1", "Kepala Arsip"), Now);
        decision.Error.ShouldNotBeNull().Code.ShouldBe(code);
        decision.Events.ShouldBeEmpty();
    }

    [Fact]
    public void A_legal_hold_is_recorded_once_and_released_once()
    {
        RecordDecider.Hold(Record(), true, "sengketa", Now).Events.ShouldHaveSingleItem().ShouldBeOfType<LegalHoldPlaced>();
        RecordDecider.Hold(Record(hold: true), true, "sengketa", Now).Events.ShouldBeEmpty();
        RecordDecider.Hold(Record(hold: true), false, "selesai", Now).Events.ShouldHaveSingleItem().ShouldBeOfType<LegalHoldReleased>();
    }

    [Fact]
    public void The_diff_names_each_changed_field_by_path_with_old_and_new_values()
    {
        var before = JsonNode.Parse("""{"registry":{"title":"A","forms":[{"format":"PDF"}],"tags":["x"]}}""");
        var after = JsonNode.Parse("""{"registry":{"title":"B","forms":[{"format":"XLSX"}],"tags":["x","y"]},"classification":{"category":"berkala"}}""");
        var changes = JsonDiff.Between(before, after);
        changes.Select(c => c.Path).ShouldBe(["classification.category", "registry.forms[0].format", "registry.tags[1]", "registry.title"]);
        changes.Single(c => c.Path == "registry.title").Old!.GetValue<string>().ShouldBe("A");
        changes.Single(c => c.Path == "registry.tags[1]").Old.ShouldBeNull();
        JsonDiff.Between(before, before!.DeepClone()).ShouldBeEmpty();
    }

    [Fact]
    public void A_revision_changes_only_the_fields_it_sets_and_withdrawal_flips_the_status()
    {
        var id = Guid.NewGuid();
        var state = ItemState.Evolve(ItemState.Initial(), id, "registry.item-registered.v1",
            JsonNode.Parse($$"""{"itemId":"{{id}}","title":"A","summary":"S","documents":[],"registeredAt":"2026-01-01T00:00:00Z"}""")!.AsObject());
        var revised = ItemState.Evolve(state, id, "registry.item-revised.v1", JsonNode.Parse("""{"title":"B","summary":null}""")!.AsObject());
        JsonDiff.Between(state, revised).ShouldHaveSingleItem().Path.ShouldBe("registry.title");
        var withdrawn = ItemState.Evolve(revised, id, "registry.item-withdrawn.v1", JsonNode.Parse("""{"reason":"tidak dikuasai"}""")!.AsObject());
        withdrawn["registry"]!["status"]!.GetValue<string>().ShouldBe("withdrawn");
        ItemState.Evolve(withdrawn, id, "unknown.event.v1", []).ToJsonString().ShouldBe(withdrawn.ToJsonString());
    }

    [Fact]
    public void An_event_chains_onto_its_streams_previous_hash_or_the_check_says_why_not()
    {
        var first = Event(1, [], """{"a":1}""");
        LedgerChain.Check(0, [], first).ShouldBeNull();
        var second = Event(2, first.Hash, """{"a":2}""");
        LedgerChain.Check(1, first.Hash, second).ShouldBeNull();
        LedgerChain.Check(1, first.Hash, second with { Data = """{"a":3}""" }).ShouldNotBeNull().ShouldContain("hash");
        LedgerChain.Check(0, [], second).ShouldNotBeNull().ShouldContain("expected version 1");
    }

    [Fact]
    public void The_root_is_independent_of_the_order_heads_are_given_in_and_changes_with_any_head()
    {
        var a = new LedgerHead("registry", "item-1", 2, [1, 2]);
        var b = new LedgerHead("classification", "classification-1", 1, [3]);
        RootHash.Compute([a, b]).ShouldBe(RootHash.Compute([b, a]));
        RootHash.Lines([a, b]).ShouldBe("classification|classification-1|1|03\nregistry|item-1|2|0102\n");
        RootHash.Compute([a, b with { Version = 2 }]).ShouldNotBe(RootHash.Compute([a, b]));
    }

    [Fact]
    public void The_edition_pdf_is_a_pdf_and_the_same_edition_gives_the_same_bytes()
    {
        var entries = Enumerable.Range(1, 80).Select(n => Sample.Entry(n, Guid.NewGuid(), Guid.NewGuid(), $"Informasi nomor {n} (uji) \\ ÄÖ ✓")).ToArray();
        var edition = Sample.Edition(Guid.NewGuid(), 4, entries);
        var pdf = EditionPdf.Render("kab-tanjabtim", edition);
        Encoding.ASCII.GetString(pdf, 0, 8).ShouldBe("%PDF-1.4");
        Encoding.ASCII.GetString(pdf[^6..]).ShouldBe("%%EOF\n");
        Encoding.Latin1.GetString(pdf).ShouldNotContain("/Count 1 "); // 80 entries take several pages
        var text = PdfText.Extract(pdf);
        text.ShouldContain("80. Informasi nomor 80 (uji) \\ ÄÖ ? [berkala]"); // escaped and read back; ✓ is outside WinAnsi
        text.ShouldContain(edition.ContentHash);
        EditionPdf.Render("kab-tanjabtim", edition).ShouldBe(pdf);
    }

    private static StoredEvent Event(long version, byte[] previous, string data)
    {
        var e = new StoredEvent(version, 1, Guid.NewGuid(), "item-1", version, "registry.item-revised.v1", 1, data, """{"tenant":"t"}""", Now, "t", []);
        return e with { Hash = IntegrityVerifier.ExpectedHash(previous, e) };
    }
}
