using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AngleSharp.Html.Parser;
using Microsoft.Extensions.DependencyInjection;
using Ppid.Contracts.Archive;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Publication;
using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Publication.Catalog;

namespace Ppid.Publication.Tests;

[Collection(PublicationCollection.Name)]
public sealed class SiteTests(PublicationWithUpstreams fixture)
{
    private async Task<(string Tenant, InformationItemRegistered Berkala, InformationItemRegistered Open, InformationItemRegistered Exempt)> PublishedAsync()
    {
        var tenant = PublicationWithUpstreams.NewTenant();
        var berkala = Data.Item(title: "Laporan Keuangan 2026", unit: "BPKAD");
        var open = Data.Item(title: "Peraturan Bupati tentang <Pajak> & Retribusi", unit: "SETDA", summary: "Tarif retribusi pasar.");
        var exempt = Data.Item(title: "Data Kesehatan Pegawai", unit: "BKPSDM", summary: "Rekam medis seluruh pegawai.");
        foreach (var item in new[] { berkala, open, exempt }) await fixture.RegisterAsync(tenant, item);
        await fixture.RatifyAsync(tenant, Data.Ratified(berkala.ItemId, Category.Berkala));
        await fixture.RatifyAsync(tenant, Data.Ratified(open.ItemId, Category.SetiapSaat));
        await fixture.RatifyAsync(tenant, Data.Ratified(exempt.ItemId, Category.Dikecualikan, Data.Test(publicSummary: "Rahasia pribadi pegawai.")));
        await fixture.DraftReachesAsync(tenant, 2, 1);
        await fixture.PublishAsync(tenant, "2027-04-01");
        return (tenant, berkala, open, exempt);
    }

    [Fact]
    public async Task The_DIP_page_is_accessible_Indonesian_HTML_with_every_field_filters_and_encoded_text()
    {
        var (tenant, berkala, open, exempt) = await PublishedAsync();
        using var web = fixture.Public();

        var response = await web.GetAsync($"/{tenant}/dip");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var html = await response.Content.ReadAsStringAsync();
        var document = new HtmlParser().ParseDocument(html);

        document.DocumentElement.GetAttribute("lang").ShouldBe("id");
        document.QuerySelector("a.skip")!.GetAttribute("href").ShouldBe("#konten");
        document.QuerySelector("main#konten").ShouldNotBeNull();
        document.QuerySelector("h1")!.TextContent.ShouldContain("Daftar Informasi Publik");
        foreach (var control in document.QuerySelectorAll("select, input"))
            document.QuerySelector($"label[for='{control.Id}']").ShouldNotBeNull($"control {control.Id} has a label");
        html.ShouldContain("Peraturan Bupati tentang &lt;Pajak&gt; &amp; Retribusi");
        html.ShouldNotContain("<Pajak>");
        var rows = document.QuerySelectorAll("tbody tr");
        rows.Length.ShouldBe(2);
        var cells = rows[0].QuerySelectorAll("td").Select(c => c.TextContent).ToList();
        cells.ShouldContain("1");
        cells.ShouldContain("Berkala (setiap 6 bulan)");
        cells.ShouldContain("BPKAD");
        cells.ShouldContain("Kepala BPKAD");
        cells.ShouldContain("2 November 2026, Muara Sabak");
        cells.ShouldContain("Softcopy (PDF); Hardcopy (kertas)");
        html.ShouldNotContain("Data Kesehatan Pegawai\" "); // the exempt item is not a DIP row
        rows.Select(r => r.TextContent).ShouldNotContain(t => t.Contains("Data Kesehatan Pegawai"));

        var bySetda = new HtmlParser().ParseDocument(await web.GetStringAsync($"/{tenant}/dip?unit=SETDA"));
        bySetda.QuerySelectorAll("tbody tr").Single().TextContent.ShouldContain("Peraturan Bupati");
        var byCategory = new HtmlParser().ParseDocument(await web.GetStringAsync($"/{tenant}/dip?kategori=berkala"));
        byCategory.QuerySelectorAll("tbody tr").Single().TextContent.ShouldContain("Laporan Keuangan");
        var search = new HtmlParser().ParseDocument(await web.GetStringAsync($"/{tenant}/dip?q=retribusi"));
        search.QuerySelectorAll("tbody tr").Single().TextContent.ShouldContain("Peraturan Bupati");

        var item = await web.GetStringAsync($"/{tenant}/dip/item/{open.ItemId}");
        item.ShouldContain("Tarif retribusi pasar.");
        item.ShouldContain("Kepala BPKAD");
        var exemptPage = await web.GetStringAsync($"/{tenant}/dip/item/{exempt.ItemId}");
        exemptPage.ShouldContain("Rahasia pribadi pegawai.");
        exemptPage.ShouldContain("Pasal 17 huruf a angka 2");
        exemptPage.ShouldNotContain("Rekam medis");
        var dik = await web.GetStringAsync($"/{tenant}/dip/dik");
        dik.ShouldContain("Data Kesehatan Pegawai");
        dik.ShouldContain("31 Desember 2030");
        var history = await web.GetStringAsync($"/{tenant}/dip/edisi");
        history.ShouldContain("Edisi 1");
        (await web.GetAsync($"/{tenant}/dip/item/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await web.GetAsync($"/{tenant}/dip/edisi/9")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_unknown_tenant_is_404_and_a_tenant_with_nothing_published_gets_a_clear_page()
    {
        using var web = fixture.Public();
        var unknown = await web.GetAsync($"/{PublicationWithUpstreams.NewTenant()}/dip");
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await unknown.Content.ReadAsStringAsync()).ShouldContain("Badan publik tidak ditemukan");

        var tenant = PublicationWithUpstreams.NewTenant();
        await fixture.RegisterAsync(tenant, Data.Item());
        await PublicationWithUpstreams.EventuallyAsync(async () => (await web.GetAsync($"/{tenant}/dip")).StatusCode == HttpStatusCode.OK, "tenant known");
        (await web.GetStringAsync($"/{tenant}/dip")).ShouldContain("Belum ada edisi DIP");
        (await web.GetAsync($"/{tenant}/dip/unduh.csv")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await web.GetStringAsync($"/{tenant}/dip/dik")).ShouldContain("Belum ada edisi");
    }

    [Fact]
    public async Task Downloads_hold_the_edition_in_CSV_XLSX_JSON_and_PDF()
    {
        var (tenant, _, _, _) = await PublishedAsync();
        using var web = fixture.Public();

        var csv = Encoding.UTF8.GetString(await web.GetByteArrayAsync($"/{tenant}/dip/unduh.csv")).TrimStart('\uFEFF');
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(4); // header, two DIP rows, one DIK row
        lines[0].ShouldStartWith("Daftar,Nomor,Judul,Ringkasan isi");
        lines[2].ShouldContain("\"Peraturan Bupati tentang <Pajak> & Retribusi\"".Replace("\"", "", StringComparison.Ordinal));
        lines[3].ShouldStartWith("DIK,1,Data Kesehatan Pegawai");

        var xlsx = await web.GetAsync($"/{tenant}/dip/unduh.xlsx");
        xlsx.Content.Headers.ContentType!.MediaType.ShouldBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        using (var document = DocumentFormat.OpenXml.Packaging.SpreadsheetDocument.Open(new MemoryStream(await xlsx.Content.ReadAsByteArrayAsync()), false))
        {
            var sheets = document.WorkbookPart!.Workbook.Sheets!.Elements<DocumentFormat.OpenXml.Spreadsheet.Sheet>().Select(s => s.Name!.Value).ToList();
            sheets.ShouldBe(["DIP", "DIK"]);
            var dipSheet = document.WorkbookPart.WorksheetParts.First();
            dipSheet.Worksheet.InnerText.ShouldContain("Laporan Keuangan 2026");
        }

        var json = JsonNode.Parse(await web.GetStringAsync($"/{tenant}/dip/unduh.json"))!;
        json["number"]!.GetValue<int>().ShouldBe(1);
        json["entries"]!.AsArray().Count.ShouldBe(2);
        json["exemptions"]!.AsArray().Count.ShouldBe(1);

        var pdf = await web.GetByteArrayAsync($"/{tenant}/dip/unduh.pdf");
        Encoding.ASCII.GetString(pdf, 0, 8).ShouldBe("%PDF-1.4");
        var text = Encoding.Latin1.GetString(pdf);
        text.ShouldContain("(1. Laporan Keuangan 2026) Tj");
        text.ShouldEndWith("%%EOF\n");
        (await web.GetAsync($"/{tenant}/dip/unduh.doc")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Pages_answer_304_to_a_current_ETag_and_change_when_an_edition_is_published()
    {
        var (tenant, _, _, _) = await PublishedAsync();
        using var web = fixture.Public();
        var first = await web.GetAsync($"/{tenant}/dip");
        var etag = first.Headers.ETag!;
        first.Content.Headers.LastModified.ShouldNotBeNull();

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/{tenant}/dip");
        conditional.Headers.IfNoneMatch.Add(etag);
        (await web.SendAsync(conditional)).StatusCode.ShouldBe(HttpStatusCode.NotModified);
        var cached = await web.GetAsync($"/{tenant}/dip");
        cached.Headers.Age.ShouldNotBeNull("the second request is served from the output cache");
        cached.Headers.ETag!.Tag.ShouldBe(etag.Tag);

        var item = Data.Item(title: "Rencana Kerja 2028");
        await fixture.RegisterAsync(tenant, item);
        await fixture.RatifyAsync(tenant, Data.Ratified(item.ItemId, Category.SetiapSaat));
        await fixture.DraftReachesAsync(tenant, 3, 1);
        (await web.GetStringAsync($"/{tenant}/dip")).ShouldNotContain("Rencana Kerja 2028"); // not before the PPID publishes
        await fixture.PublishAsync(tenant, "2027-05-01");

        using var again = new HttpRequestMessage(HttpMethod.Get, $"/{tenant}/dip");
        again.Headers.IfNoneMatch.Add(etag);
        var fresh = await web.SendAsync(again);
        fresh.StatusCode.ShouldBe(HttpStatusCode.OK);
        fresh.Headers.ETag!.Tag.ShouldNotBe(etag.Tag);
        (await fresh.Content.ReadAsStringAsync()).ShouldContain("Rencana Kerja 2028");
        (await web.GetStringAsync($"/{tenant}/dip/edisi")).ShouldContain("Edisi 2");
    }

    [Fact]
    public async Task A_serta_merta_item_is_on_the_website_first_the_moment_it_is_ratified()
    {
        var (tenant, _, _, _) = await PublishedAsync();
        using var web = fixture.Public();
        var urgent = Data.Item(title: "Peringatan Dini Banjir Sungai Batanghari", unit: "BPBD", summary: "Evakuasi warga bantaran sungai.");
        // The ratification comes before the item's own event: the entry waits for both.
        await fixture.RatifyAsync(tenant, Data.Ratified(urgent.ItemId, Category.SertaMerta));
        await fixture.RegisterAsync(tenant, urgent);

        await PublicationWithUpstreams.EventuallyAsync(async () => (await web.GetStringAsync($"/{tenant}/dip")).Contains("Peringatan Dini Banjir", StringComparison.Ordinal),
            "serta-merta item on the website");
        var document = new HtmlParser().ParseDocument(await web.GetStringAsync($"/{tenant}/dip"));
        document.QuerySelector("main h2")!.TextContent.ShouldBe("Informasi serta merta"); // first on the page
        document.QuerySelector("section.urgent")!.TextContent.ShouldContain("Evakuasi warga bantaran sungai.");
        var itemPage = await web.GetStringAsync($"/{tenant}/dip/item/{urgent.ItemId}");
        itemPage.ShouldContain("Evakuasi warga bantaran sungai.");
        itemPage.ShouldContain("Belum bernomor"); // not in an edition yet
        // Another tenant's site does not show it, although it has an edition of its own.
        var (otherTenant, _, _, _) = await PublishedAsync();
        (await web.GetAsync($"/{otherTenant}/dip/item/{urgent.ItemId}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var store = fixture.Services.GetRequiredService<EventStore>();
        var events = await store.ReadStreamAsync(EntryStreams.Id(urgent.ItemId));
        events.Single().Data.ShouldBeOfType<EntryPublished>().Entry.Category.ShouldBe(Category.SertaMerta);
        events.Single().Metadata.Tenant.ShouldBe(tenant);

        // Revised by the registry: the website shows the new fields at once, without an edition.
        await fixture.RegistryEventAsync(tenant, urgent.ItemId, new InformationItemRevised(urgent.ItemId, null, "Evakuasi seluruh warga Kecamatan Sabak.",
            null, null, null, null, null, null, null, null, null, PublicationWithUpstreams.Start));
        await PublicationWithUpstreams.EventuallyAsync(async () => (await web.GetStringAsync($"/{tenant}/dip")).Contains("Evakuasi seluruh warga", StringComparison.Ordinal),
            "revised serta-merta item on the website");

        // Withdrawn by the registry: it leaves the website at once.
        await fixture.RegistryEventAsync(tenant, urgent.ItemId, new InformationItemWithdrawn(urgent.ItemId, "Peringatan dicabut", PublicationWithUpstreams.Start));
        await PublicationWithUpstreams.EventuallyAsync(async () => !(await web.GetStringAsync($"/{tenant}/dip")).Contains("Peringatan Dini Banjir", StringComparison.Ordinal),
            "withdrawn serta-merta item gone");
    }

    [Fact]
    public async Task An_opened_exempt_item_shows_at_once_as_newly_opened_and_joins_the_DIP_at_the_next_edition()
    {
        var tenant = PublicationWithUpstreams.NewTenant();
        var open = Data.Item(title: "Profil Daerah");
        var exempt = Data.Item(title: "Memorandum Internal Pengadaan", summary: "Pembahasan harga perkiraan sendiri.");
        await fixture.RegisterAsync(tenant, open);
        await fixture.RegisterAsync(tenant, exempt);
        await fixture.RatifyAsync(tenant, Data.Ratified(open.ItemId, Category.SetiapSaat));
        var classification = Data.Ratified(exempt.ItemId, Category.Dikecualikan);
        await fixture.RatifyAsync(tenant, classification);
        await fixture.DraftReachesAsync(tenant, 1, 1);
        await fixture.PublishAsync(tenant);
        using var web = fixture.Public();
        (await web.GetStringAsync($"/{tenant}/dip")).ShouldNotContain("Pembahasan harga perkiraan sendiri.");

        fixture.Clock.Advance(TimeSpan.FromDays(1));
        await fixture.OpenAsync(tenant, new ExemptItemOpened(classification.ClassificationId, exempt.ItemId, OpeningReason.CommissionDecision,
            "Putusan KI 12/2027", Category.SetiapSaat, fixture.Clock.GetUtcNow()));

        await PublicationWithUpstreams.EventuallyAsync(async () => (await web.GetStringAsync($"/{tenant}/dip")).Contains("Informasi yang baru dibuka", StringComparison.Ordinal),
            "newly opened section");
        var page = await web.GetStringAsync($"/{tenant}/dip");
        page.ShouldContain("Pembahasan harga perkiraan sendiri.");
        // Its own page shows it as newly opened, no longer as exempt.
        var itemPage = await web.GetStringAsync($"/{tenant}/dip/item/{exempt.ItemId}");
        itemPage.ShouldContain("Pembahasan harga perkiraan sendiri.");
        itemPage.ShouldContain("baru dibuka");
        itemPage.ShouldNotContain("dikecualikan (Pasal 17");
        using var api = fixture.Api(tenant);
        (await api.GetFromJsonAsync<JsonArray>("/api/v1/publication/newly-opened"))!.Single()!["itemId"]!.GetValue<Guid>().ShouldBe(exempt.ItemId);

        fixture.Clock.Advance(TimeSpan.FromDays(1));
        await fixture.PublishAsync(tenant);
        var edition = (await api.GetFromJsonAsync<JsonObject>("/api/v1/publication/editions/2"))!["edition"]!;
        edition["exemptions"]!.AsArray().ShouldBeEmpty();
        var opened = edition["entries"]!.AsArray().Single(e => (Guid)e!["itemId"]! == exempt.ItemId)!;
        opened["newlyOpened"]!.GetValue<bool>().ShouldBeTrue();
        (await web.GetStringAsync($"/{tenant}/dip")).ShouldNotContain("Informasi yang baru dibuka");
        // In the edition now: its page shows its number there.
        var numbered = await web.GetStringAsync($"/{tenant}/dip/item/{exempt.ItemId}");
        numbered.ShouldNotContain("Belum bernomor");
        numbered.ShouldContain("Pembahasan harga perkiraan sendiri.");

        var diff = (await api.GetFromJsonAsync<JsonObject>("/api/v1/publication/editions/1/diff/2"))!;
        diff["added"]!.AsArray().ShouldBeEmpty();
        diff["removed"]!.AsArray().ShouldBeEmpty();
        var change = diff["changed"]!.AsArray().Single()!;
        change["itemId"]!.GetValue<Guid>().ShouldBe(exempt.ItemId);
        change["fields"]!.AsArray().Select(f => (string)f!["field"]!).ShouldContain("list");
    }

    [Fact]
    public async Task Berkala_items_past_their_interval_are_listed_as_overdue()
    {
        var tenant = PublicationWithUpstreams.NewTenant();
        var stale = Data.Item(title: "Laporan Semester", at: fixture.Clock.GetUtcNow().AddMonths(-8));
        var fresh = Data.Item(title: "Laporan Bulanan", at: fixture.Clock.GetUtcNow().AddDays(-10));
        await fixture.RegisterAsync(tenant, stale);
        await fixture.RegisterAsync(tenant, fresh);
        await fixture.RatifyAsync(tenant, Data.Ratified(stale.ItemId, Category.Berkala, interval: 6));
        await fixture.RatifyAsync(tenant, Data.Ratified(fresh.ItemId, Category.Berkala, interval: 1));
        await fixture.DraftReachesAsync(tenant, 2, 0);
        using var api = fixture.Api(tenant);

        var overdue = (await api.GetFromJsonAsync<JsonArray>("/api/v1/publication/overdue"))!;
        overdue.Select(o => (string)o!["title"]!).ShouldBe(["Laporan Semester"]);

        fixture.Clock.Advance(TimeSpan.FromDays(25)); // the monthly report is now past its month too
        (await api.GetFromJsonAsync<JsonArray>("/api/v1/publication/overdue"))!.Count.ShouldBe(2);
    }

    [Fact]
    public async Task The_archive_receipt_shows_on_the_editions_public_page()
    {
        var (tenant, _, _, _) = await PublishedAsync();
        using var api = fixture.Api(tenant);
        var edition = (await api.GetFromJsonAsync<JsonObject>("/api/v1/publication/editions/1"))!["edition"]!;
        var root = new string('f', 64);
        await fixture.ArchivedAsync(tenant, new EditionArchived(edition["editionId"]!.GetValue<Guid>(), 1, edition["contentHash"]!.GetValue<string>(), root, 4711,
            PublicationWithUpstreams.Start));
        using var web = fixture.Public();
        await PublicationWithUpstreams.EventuallyAsync(async () => (await web.GetStringAsync($"/{tenant}/dip/edisi/1")).Contains(root, StringComparison.Ordinal),
            "ledger root hash on the edition page");
        (await web.GetStringAsync($"/{tenant}/dip/edisi/1")).ShouldContain(edition["contentHash"]!.GetValue<string>());
    }
}
