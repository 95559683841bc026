using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Publication;
using Ppid.Platform.EventSourcing;
using Ppid.Publication.Editions;

namespace Ppid.Publication.Tests;

[Collection(PublicationCollection.Name)]
public sealed class EditionTests(PublicationWithUpstreams fixture)
{
    [Fact]
    public async Task Ratified_items_make_the_draft_grouped_by_category_and_exempt_items_only_in_the_DIK()
    {
        var tenant = PublicationWithUpstreams.NewTenant();
        var berkala = Data.Item(title: "Laporan Keuangan");
        var setiapSaat = Data.Item(title: "Peraturan Bupati", unit: "SETDA");
        var exempt = Data.Item(title: "Berkas Penyidikan", unit: "SATPOL-PP", summary: "Isi berkas penyidikan kasus X");
        var unclassified = Data.Item(title: "Belum diklasifikasi");
        foreach (var item in new[] { berkala, setiapSaat, exempt, unclassified }) await fixture.RegisterAsync(tenant, item);
        await fixture.RatifyAsync(tenant, Data.Ratified(setiapSaat.ItemId, Category.SetiapSaat));
        await fixture.RatifyAsync(tenant, Data.Ratified(berkala.ItemId, Category.Berkala, interval: 3));
        await fixture.RatifyAsync(tenant, Data.Ratified(exempt.ItemId, Category.Dikecualikan));

        await fixture.DraftReachesAsync(tenant, 2, 1);
        var draft = await fixture.DraftAsync(tenant);

        var entries = draft["entries"]!.AsArray();
        entries.Select(e => (string)e!["title"]!).ShouldBe(["Laporan Keuangan", "Peraturan Bupati"]); // berkala before setiap saat
        entries.Select(e => (int)e!["number"]!).ShouldBe([1, 2]);
        entries[0]!["intervalMonths"]!.GetValue<int>().ShouldBe(3);
        var dik = draft["exemptions"]!.AsArray().Single()!.AsObject();
        dik["title"]!.GetValue<string>().ShouldBe("Berkas Penyidikan");
        dik["pasal17Letter"]!.GetValue<string>().ShouldBe("a");
        dik["publicSummary"]!.GetValue<string>().ShouldBe("Membuka identitas saksi membahayakan keselamatannya.");
        draft.ToJsonString().ShouldNotContain("Isi berkas penyidikan");
        draft.ToJsonString().ShouldNotContain("Lampiran II");
        draft["ratificationIds"]!.AsArray().Count.ShouldBe(3);
    }

    [Fact]
    public async Task Publishing_freezes_a_numbered_edition_whose_hash_an_outsider_can_recompute()
    {
        var tenant = PublicationWithUpstreams.NewTenant();
        var item = Data.Item();
        await fixture.RegisterAsync(tenant, item);
        var ratified = Data.Ratified(item.ItemId, Category.Berkala);
        await fixture.RatifyAsync(tenant, ratified);
        await fixture.DraftReachesAsync(tenant, 1, 0);

        var answer = await fixture.PublishAsync(tenant, "2027-04-01");

        answer["number"]!.GetValue<int>().ShouldBe(1);
        answer["effectiveDate"]!.GetValue<string>().ShouldBe("2027-04-01");
        var store = fixture.Services.GetRequiredService<EventStore>();
        var events = await store.ReadStreamAsync(EditionQueries.StreamId(tenant, 1));
        var published = events.Single().Data.ShouldBeOfType<EditionPublished>();
        published.RatificationIds.ShouldBe([ratified.ClassificationId]);
        published.PublishedBy.ShouldBe("ppid-utama-1");
        published.Entries.Single().ItemId.ShouldBe(item.ItemId);

        // An outsider recomputes the hash from the JSON download: canonical JSON of {entries, exemptions}.
        using var client = fixture.Public();
        var download = JsonNode.Parse(await client.GetStringAsync($"/{tenant}/dip/unduh.json"))!.AsObject();
        var content = new JsonObject { ["entries"] = download["entries"]!.DeepClone(), ["exemptions"] = download["exemptions"]!.DeepClone() };
        var recomputed = Convert.ToHexStringLower(SHA256.HashData(CanonicalJson.ToBytes(content.ToJsonString())));
        recomputed.ShouldBe(published.ContentHash);
        download["contentHash"]!.GetValue<string>().ShouldBe(published.ContentHash);
    }

    [Fact]
    public async Task Publishing_is_for_the_PPID_only_refuses_an_unchanged_draft_and_replays_an_idempotent_request()
    {
        var tenant = PublicationWithUpstreams.NewTenant();
        using var petugas = fixture.Api(tenant, "petugas");
        (await petugas.PostAsJsonAsync("/api/v1/publication/editions", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var ppid = fixture.Api(tenant);
        var badDate = await ppid.PostAsync("/api/v1/publication/editions", new StringContent("{\"effectiveDate\":\"1 April\"}", System.Text.Encoding.UTF8, "application/json"));
        badDate.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        badDate.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var empty = await ppid.PostAsJsonAsync("/api/v1/publication/editions", new { });
        empty.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await empty.Content.ReadAsStringAsync()).ShouldContain("draft-empty");

        var item = Data.Item();
        await fixture.RegisterAsync(tenant, item);
        await fixture.RatifyAsync(tenant, Data.Ratified(item.ItemId, Category.SetiapSaat));
        await fixture.DraftReachesAsync(tenant, 1, 0);

        using var request1 = new HttpRequestMessage(HttpMethod.Post, "/api/v1/publication/editions") { Content = JsonContent.Create(new { }) };
        request1.Headers.Add("Idempotency-Key", "publish-1");
        using var request2 = new HttpRequestMessage(HttpMethod.Post, "/api/v1/publication/editions") { Content = JsonContent.Create(new { }) };
        request2.Headers.Add("Idempotency-Key", "publish-1");
        var first = await ppid.SendAsync(request1);
        var replay = await ppid.SendAsync(request2);
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        replay.StatusCode.ShouldBe(HttpStatusCode.Created);
        replay.Headers.GetValues("Idempotent-Replayed").ShouldContain("true");
        (await replay.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());

        var unchanged = await ppid.PostAsJsonAsync("/api/v1/publication/editions", new { });
        unchanged.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await unchanged.Content.ReadAsStringAsync()).ShouldContain("edition-unchanged");
        var list = await ppid.GetFromJsonAsync<JsonArray>("/api/v1/publication/editions");
        list!.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Concurrent_publishers_never_take_the_same_number()
    {
        var tenant = PublicationWithUpstreams.NewTenant();
        var item = Data.Item();
        await fixture.RegisterAsync(tenant, item);
        await fixture.RatifyAsync(tenant, Data.Ratified(item.ItemId, Category.SetiapSaat));
        await fixture.DraftReachesAsync(tenant, 1, 0);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var client = fixture.Api(tenant);
            return (await client.PostAsJsonAsync("/api/v1/publication/editions", new { })).StatusCode;
        }));

        results.Count(s => s == HttpStatusCode.Created).ShouldBe(1); // the same draft: the others are 409 (taken number or unchanged)
        results.Where(s => s != HttpStatusCode.Created).ShouldAllBe(s => s == HttpStatusCode.Conflict);
        var store = fixture.Services.GetRequiredService<EventStore>();
        (await store.ReadStreamAsync(EditionQueries.StreamId(tenant, 1))).Count.ShouldBe(1);
        (await store.GetStreamAsync(EditionQueries.StreamId(tenant, 2))).ShouldBeNull();
    }

    [Fact]
    public async Task Another_tenants_edition_is_not_found()
    {
        var tenant = PublicationWithUpstreams.NewTenant();
        var item = Data.Item();
        await fixture.RegisterAsync(tenant, item);
        await fixture.RatifyAsync(tenant, Data.Ratified(item.ItemId, Category.SetiapSaat));
        await fixture.DraftReachesAsync(tenant, 1, 0);
        await fixture.PublishAsync(tenant);

        using var other = fixture.Api(PublicationWithUpstreams.NewTenant());
        (await other.GetAsync("/api/v1/publication/editions/1")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var mine = fixture.Api(tenant);
        (await mine.GetAsync("/api/v1/publication/editions/1")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_late_older_ratification_does_not_replace_the_one_in_force()
    {
        var tenant = PublicationWithUpstreams.NewTenant();
        var item = Data.Item(title: "Peringatan Cuaca Ekstrem");
        await fixture.RegisterAsync(tenant, item);
        var newer = Data.Ratified(item.ItemId, Category.SertaMerta, at: PublicationWithUpstreams.Start.AddDays(-1));
        var older = Data.Ratified(item.ItemId, Category.Berkala, at: PublicationWithUpstreams.Start.AddDays(-5));
        await fixture.RatifyAsync(tenant, newer);
        await fixture.DraftReachesAsync(tenant, 1, 0);
        var late = await fixture.RatifyAsync(tenant, older); // arrives late, on its own stream
        await fixture.ConsumedAsync(late.Events[0].EventId);

        using var web = fixture.Public();
        await PublicationWithUpstreams.EventuallyAsync(async () => (await web.GetStringAsync($"/{tenant}/dip")).Contains("Peringatan Cuaca Ekstrem", StringComparison.Ordinal),
            "serta-merta entry on the website");
        var draft = await fixture.DraftAsync(tenant);
        draft["entries"]!.AsArray().Single()!["category"]!.GetValue<string>().ShouldBe("serta-merta");
        draft["ratificationIds"]!.AsArray().Single()!.GetValue<Guid>().ShouldBe(newer.ClassificationId);
        (await web.GetStringAsync($"/{tenant}/dip")).ShouldContain("Peringatan Cuaca Ekstrem");
    }
}
