using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Publication;
using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Messaging;
using Ppid.Testing;

namespace Ppid.Registry.Tests;

/// <summary>
/// The registry with registered items, and classification and publication as real upstream
/// services (their own event stores and forwarders) on the test's vhost, started after the
/// registry so its queue exists.
/// </summary>
public sealed class ApiWithUpstreamServices : ApiWithReferenceData
{
    public UpstreamService Classification { get; private set; } = null!;
    public UpstreamService Publication { get; private set; } = null!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(l => l.AddProvider(new FileLoggerProvider(FileLoggerProvider.PathFor("registry-status"))));
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync(); // the registry's queue exists from here on
        Classification = await UpstreamService.StartAsync("classification", Vhost);
        Publication = await UpstreamService.StartAsync("publication", Vhost);
    }

    public async Task<Guid> NewItemAsync(string title)
    {
        using var client = Client();
        return await client.RegisterAsync(Api.Item(title: title));
    }

    public override async ValueTask DisposeAsync()
    {
        if (Classification is { } classification) await classification.DisposeAsync();
        if (Publication is { } publication) await publication.DisposeAsync();
        Classification = null!;
        Publication = null!;
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Polls the item until <paramref name="shows"/> holds (the event went through RabbitMQ); fails with the last answer after 30 s.</summary>
    public async Task<JsonElement> ItemWhenAsync(Guid itemId, Func<JsonElement, bool> shows, string what)
    {
        using var client = Client();
        JsonElement item = default;
        if (await Poll.UntilAsync(async () => shows(item = await client.GetItemAsync(itemId)), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50))) return item;
        throw new TimeoutException($"The item never showed {what}: {item}");
    }
}

public sealed class StatusTests(ApiWithUpstreamServices api) : IClassFixture<ApiWithUpstreamServices>
{
    private static readonly DateTimeOffset RatifiedAt = new(2027, 3, 1, 3, 0, 0, TimeSpan.Zero);

    private static ClassificationRatified Ratified(Guid itemId, Category category, DateTimeOffset at, Guid? classificationId = null, Guid? supersedes = null) =>
        new(classificationId ?? Guid.CreateVersion7(), itemId, category, category == Category.Berkala ? 6 : null, "Sesuai Pasal 9 UU 14/2008",
            category == Category.Dikecualikan ? Test() : null, new Decree("KEP-12/PPID/2027", new DateOnly(2027, 3, 1), "Muara Sabak", "ppid-1", "Rahmat Hidayat"),
            supersedes, "atasan-1", at);

    private static ConsequenceTest Test() => new("Lampiran II", false, null, "h", null, "UU 14/2008 Pasal 17 huruf h", "Mengungkap data kesehatan pribadi",
        "Tidak ada kerugian publik", "Perlindungan privasi lebih besar", "Data kesehatan pegawai", null, null);

    private static DipEntry Entry(int number, Guid itemId, Guid classificationId, Category category) =>
        new(number, itemId, classificationId, category, 6, "Judul", "Ringkasan", "DISKOMINFO", "Kepala Dinas", new DateOnly(2026, 11, 2), "Muara Sabak",
            [new AvailableForm(InformationForm.Softcopy, "PDF", "https://jdih.example.go.id")], "000.1.1", "2 tahun aktif, 3 tahun inaktif, permanen", "KEP-12/PPID/2027", false);

    private static DikEntry Exempt(int number, Guid itemId, Guid classificationId) =>
        new(number, itemId, classificationId, "Judul", "DISKOMINFO", "h", null, "UU 14/2008 Pasal 17 huruf h", "Data kesehatan pegawai", null, "KEP-12/PPID/2027");

    private static EditionPublished Edition(int number, IReadOnlyList<DipEntry> entries, IReadOnlyList<DikEntry> exemptions) =>
        new(Guid.CreateVersion7(), number, new DateOnly(2027, 3, 5), entries, exemptions, [], new string('a', 64), "ppid-1", RatifiedAt.AddDays(4 + number));

    private Task<AppendResult> Classify(ClassificationRatified e) =>
        api.Classification.AppendAsync("tenant-a", $"classification-{e.ClassificationId}", "classification.classification", e);

    private static string? CategoryOf(JsonElement item) =>
        item.GetProperty("classification") is { ValueKind: JsonValueKind.Object } c ? c.GetProperty("category").GetString() : null;

    private static int? EditionOf(JsonElement item) =>
        item.GetProperty("publication") is { ValueKind: JsonValueKind.Object } p && p.GetProperty("edition").ValueKind == JsonValueKind.Number ? p.GetProperty("edition").GetInt32() : null;

    private async Task<Guid[]> ListAsync(string query)
    {
        using var client = api.Client();
        var page = await (await client.GetAsync($"{Api.Items}?size=100&{query}")).BodyAsync();
        return [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];
    }

    [Fact]
    public async Task An_item_shows_its_ratified_category_then_the_edition_that_published_it()
    {
        var open = await api.NewItemAsync("Laporan keuangan berkala");
        var exempt = await api.NewItemAsync("Data kesehatan pegawai");
        var (openUnclassified, exemptUnclassified) = (await ListAsync("category=unclassified"), await ListAsync("category=dikecualikan"));
        openUnclassified.ShouldContain(open);
        exemptUnclassified.ShouldNotContain(exempt);

        var berkala = Ratified(open, Category.Berkala, RatifiedAt);
        var dikecualikan = Ratified(exempt, Category.Dikecualikan, RatifiedAt);
        await Classify(berkala);
        await Classify(dikecualikan);
        var item = await api.ItemWhenAsync(open, i => CategoryOf(i) == "berkala", "classified as berkala");
        item.GetProperty("classification").GetProperty("intervalMonths").GetInt32().ShouldBe(6);
        item.GetProperty("classification").GetProperty("classificationId").GetGuid().ShouldBe(berkala.ClassificationId);
        item.GetProperty("publication").ValueKind.ShouldBe(JsonValueKind.Null);
        await api.ItemWhenAsync(exempt, i => CategoryOf(i) == "dikecualikan", "classified as dikecualikan");
        (await ListAsync("category=berkala")).ShouldContain(open);
        (await ListAsync("category=unclassified")).ShouldNotContain(open);

        var edition = Edition(1, [Entry(1, open, berkala.ClassificationId, Category.Berkala)], [Exempt(1, exempt, dikecualikan.ClassificationId)]);
        await api.Publication.AppendAsync("tenant-a", $"edition-{edition.EditionId}", "publication.edition", edition);
        var published = await api.ItemWhenAsync(open, i => EditionOf(i) == 1, "published in edition 1");
        published.GetProperty("publication").GetProperty("list").GetString().ShouldBe("dip");
        published.GetProperty("publication").GetProperty("editionId").GetGuid().ShouldBe(edition.EditionId);
        published.GetProperty("publication").GetProperty("inLatestEdition").GetBoolean().ShouldBeTrue();
        var listed = await api.ItemWhenAsync(exempt, i => EditionOf(i) == 1, "listed in edition 1");
        listed.GetProperty("publication").GetProperty("list").GetString().ShouldBe("dik");

        // Edition 2 leaves the exempt item out: it still shows edition 1, no longer the latest.
        var second = Edition(2, [Entry(1, open, berkala.ClassificationId, Category.Berkala)], []);
        await api.Publication.AppendAsync("tenant-a", $"edition-{second.EditionId}", "publication.edition", second);
        await api.ItemWhenAsync(open, i => EditionOf(i) == 2, "published in edition 2");
        var dropped = await api.ItemWhenAsync(exempt, i => !i.GetProperty("publication").GetProperty("inLatestEdition").GetBoolean(), "left out of edition 2");
        EditionOf(dropped).ShouldBe(1);

        using var client = api.Client();
        var status = await (await client.GetAsync($"{Api.Items}/{open}/status")).BodyAsync();
        status.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("detail").GetString())
            .ShouldBe(["classified as berkala (decree KEP-12/PPID/2027)", "published in edition 1 (DIP)", "published in edition 2 (DIP)"]);
        using var otherTenant = api.Client("tenant-b");
        (await otherTenant.GetAsync($"{Api.Items}/{open}/status")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_later_classification_replaces_an_earlier_one_whatever_order_they_arrive_in()
    {
        var itemId = await api.NewItemAsync("Rencana kerja");
        var first = Ratified(itemId, Category.Berkala, RatifiedAt);
        var reclassified = Ratified(itemId, Category.SetiapSaat, RatifiedAt.AddDays(10), supersedes: first.ClassificationId);
        await Classify(reclassified);
        await api.ItemWhenAsync(itemId, i => CategoryOf(i) == "setiap-saat", "classified as setiap-saat");

        await Classify(first); // delivered late: older, so it must not win
        using var client = api.Client();
        await Poll.UntilAsync(async () => await api.CountAsync($"select count(*) from item_status_history where item_id = '{itemId}'") >= 2,
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
        (await api.CountAsync($"select count(*) from item_status_history where item_id = '{itemId}'")).ShouldBe(2);
        CategoryOf(await client.GetItemAsync(itemId)).ShouldBe("setiap-saat");
    }

    [Fact]
    public async Task An_exempt_item_that_opens_shows_its_new_category_and_why_and_serta_merta_shows_when_it_went_out()
    {
        var itemId = await api.NewItemAsync("Hasil pemeriksaan");
        var exempt = Ratified(itemId, Category.Dikecualikan, RatifiedAt);
        await Classify(exempt);
        await api.Classification.AppendAsync("tenant-a", $"classification-{exempt.ClassificationId}", "classification.classification",
            new ExemptItemOpened(exempt.ClassificationId, itemId, OpeningReason.CourtDecision, "Putusan PTUN 12/2027", Category.SetiapSaat, RatifiedAt.AddDays(20)));
        var opened = await api.ItemWhenAsync(itemId, i => CategoryOf(i) == "setiap-saat", "opened as setiap-saat");
        opened.GetProperty("classification").GetProperty("openedReason").GetString().ShouldBe("court-decision");

        var urgent = await api.NewItemAsync("Peringatan banjir");
        var sertaMerta = Ratified(urgent, Category.SertaMerta, RatifiedAt);
        await Classify(sertaMerta);
        var at = RatifiedAt.AddMinutes(1);
        await api.Publication.AppendAsync("tenant-a", $"entry-{urgent}", "publication.entry",
            new EntryPublished(Entry(1, urgent, sertaMerta.ClassificationId, Category.SertaMerta), at));
        // Classification and publication are different streams: either may arrive first.
        var item = await api.ItemWhenAsync(urgent, i => i.GetProperty("publication").ValueKind == JsonValueKind.Object && CategoryOf(i) == "serta-merta",
            "classified and published serta-merta");
        item.GetProperty("publication").GetProperty("sertaMertaPublishedAt").GetDateTimeOffset().ShouldBe(at);
        item.GetProperty("publication").GetProperty("edition").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_redelivered_event_is_applied_once()
    {
        var itemId = await api.NewItemAsync("Daftar aset daerah");
        var ratified = Ratified(itemId, Category.Berkala, RatifiedAt);
        var streamId = $"classification-{ratified.ClassificationId}";
        await Classify(ratified);
        await api.ItemWhenAsync(itemId, i => CategoryOf(i) == "berkala", "classified as berkala");

        // The broker delivers the same message again (at-least-once): publish the stored event a second time.
        var stored = (await api.Classification.Store.ReadStreamAsync(streamId)).Select(e => e.Stored).ToList();
        var types = EventTypes.FromAssemblies([typeof(ClassificationRatified).Assembly]);
        await using (var publisher = new RabbitMqEventPublisher(api.Vhost.Uri, "classification", types, NullLogger<RabbitMqEventPublisher>.Instance))
            await publisher.PublishAsync(stored, CancellationToken.None);
        // Then the stream's next event: once it shows, the copy before it was consumed (same stream, applied in order).
        await api.Classification.AppendAsync("tenant-a", streamId, "classification.classification",
            new ExemptItemOpened(ratified.ClassificationId, itemId, OpeningReason.Expired, null, Category.Berkala, RatifiedAt.AddDays(1)));
        await api.ItemWhenAsync(itemId, i => i.GetProperty("classification").GetProperty("openedReason").ValueKind == JsonValueKind.String, "the next event");

        (await api.CountAsync($"select count(*) from item_status_history where item_id = '{itemId}'")).ShouldBe(2);
        (await api.CountAsync($"select count(*) from item_status_history where item_id = '{itemId}' and event = 'classification.classification-ratified.v1'")).ShouldBe(1);
        (await api.CountAsync($"select count(*) from inbox where consumer = 'registry.status' and event_id = '{stored[0].EventId}'")).ShouldBe(1);
    }
}
