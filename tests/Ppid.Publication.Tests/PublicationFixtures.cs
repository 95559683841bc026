using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Ppid.Contracts.Archive;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Registry;
using Ppid.Testing;

namespace Ppid.Publication.Tests;

/// <summary>
/// Publication on its own database and vhost with a clock the tests move, plus the registry,
/// the classification and the archive as upstream services whose events reach publication
/// through RabbitMQ. Tests use a fresh tenant each, so they share this fixture.
/// </summary>
public class PublicationWithUpstreams : ServiceFixture<Program>
{
    public static readonly DateTimeOffset Start = new(2027, 3, 10, 2, 0, 0, TimeSpan.Zero);

    public ManualClock Clock { get; } = new(Start);
    public UpstreamService Registry { get; private set; } = null!;
    public UpstreamService Classification { get; private set; } = null!;
    public UpstreamService Archive { get; private set; } = null!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
        builder.ConfigureLogging(l => l.AddProvider(new FileLoggerProvider(FileLoggerProvider.PathFor("publication"))));
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync(); // publication's queues exist from here on
        Registry = await UpstreamService.StartAsync("registry", Vhost);
        Classification = await UpstreamService.StartAsync("classification", Vhost);
        Archive = await UpstreamService.StartAsync("archive", Vhost);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Registry is not null) await Registry.DisposeAsync();
        if (Classification is not null) await Classification.DisposeAsync();
        if (Archive is not null) await Archive.DisposeAsync();
        await base.DisposeAsync();
    }

    public static string NewTenant() => "pemda-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>An API client for <paramref name="tenant"/> acting in <paramref name="role"/>.</summary>
    public HttpClient Api(string tenant, string role = "ppid")
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Tenant-Id", tenant);
        client.DefaultRequestHeaders.Add("X-Actor-Id", "ppid-utama-1");
        client.DefaultRequestHeaders.Add("X-Actor-Role", role);
        return client;
    }

    /// <summary>A member of the public: no headers at all.</summary>
    public HttpClient Public() => CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public Task RegisterAsync(string tenant, InformationItemRegistered item) =>
        Registry.AppendAsync(tenant, $"registry-item-{item.ItemId}", "registry.item", item);

    public Task RegistryEventAsync(string tenant, Guid itemId, object e) =>
        Registry.AppendAsync(tenant, $"registry-item-{itemId}", "registry.item", e);

    public Task<Ppid.Platform.EventSourcing.AppendResult> RatifyAsync(string tenant, ClassificationRatified ratified) =>
        Classification.AppendAsync(tenant, $"classification-{ratified.ClassificationId}", "classification.classification", ratified);

    public Task OpenAsync(string tenant, ExemptItemOpened opened) =>
        Classification.AppendAsync(tenant, $"classification-{opened.ClassificationId}", "classification.classification", opened);

    public Task ArchivedAsync(string tenant, EditionArchived archived) =>
        Archive.AppendAsync(tenant, $"archive-edition-{archived.EditionId}", "archive.edition", archived);

    /// <summary>Polls until <paramref name="done"/> holds (events cross RabbitMQ); fails with <paramref name="what"/> after 30 s.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> done, string what)
    {
        if (!await Poll.UntilAsync(done, TimeSpan.FromSeconds(30))) throw new TimeoutException($"Not reached within 30 s: {what}");
    }

    /// <summary>Waits until publication's consumer has applied the upstream event <paramref name="eventId"/>.</summary>
    public Task ConsumedAsync(Guid eventId) => EventuallyAsync(async () =>
    {
        await using var cmd = Database.DataSource.CreateCommand("select count(*) from inbox where event_id = $1");
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter<Guid> { TypedValue = eventId });
        return (long)(await cmd.ExecuteScalarAsync())! > 0;
    }, $"event {eventId} consumed");

    /// <summary>The draft preview of the tenant.</summary>
    public async Task<JsonObject> DraftAsync(string tenant)
    {
        using var client = Api(tenant);
        return (await client.GetFromJsonAsync<JsonObject>("/api/v1/publication/draft"))!;
    }

    /// <summary>Waits until the draft lists <paramref name="entries"/> DIP entries and <paramref name="exemptions"/> DIK entries.</summary>
    public Task DraftReachesAsync(string tenant, int entries, int exemptions) => EventuallyAsync(async () =>
    {
        var draft = await DraftAsync(tenant);
        return draft["entries"]!.AsArray().Count == entries && draft["exemptions"]!.AsArray().Count == exemptions;
    }, $"draft of {tenant} with {entries} entries and {exemptions} exemptions");

    public async Task<JsonObject> PublishAsync(string tenant, string? effectiveDate = null)
    {
        using var client = Api(tenant);
        var response = await client.PostAsJsonAsync("/api/v1/publication/editions", new { effectiveDate });
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 201) throw new InvalidOperationException($"Publish answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}

[CollectionDefinition(Name)]
public sealed class PublicationCollection : ICollectionFixture<PublicationWithUpstreams>
{
    public const string Name = "publication";
}

/// <summary>Test data: items and classifications with every field set.</summary>
public static class Data
{
    public static InformationItemRegistered Item(Guid? id = null, string title = "Laporan Keuangan Pemerintah Daerah 2026", string unit = "BPKAD",
        string summary = "Laporan realisasi anggaran, neraca dan catatan atas laporan keuangan.", IReadOnlyList<string>? tags = null, DateTimeOffset? at = null,
        string documentName = "lkpd-2026.pdf") => new(
        id ?? Guid.CreateVersion7(), title, summary, unit, "Kepala BPKAD", new DateOnly(2026, 11, 2), "Muara Sabak",
        [new AvailableForm(InformationForm.Softcopy, "PDF", "https://ppid.example.go.id/lkpd-2026.pdf"), new AvailableForm(InformationForm.Hardcopy, "kertas", "Arsip BPKAD")],
        "900.1", DocumentKind.Report, "id", tags ?? ["keuangan"],
        [new DocumentReference(Guid.NewGuid(), documentName, "application/pdf", 1024, new string('a', 64), "s3://docs/" + documentName)],
        at ?? PublicationWithUpstreams.Start.AddDays(-30));

    public static Decree Decree(string number = "188/12/PPID/2027") => new(number, new DateOnly(2027, 3, 1), "Muara Sabak", "ppid-utama-1", "Drs. Ahmad Yani");

    public static ClassificationRatified Ratified(Guid itemId, Category category, ConsequenceTest? test = null, int? interval = null, DateTimeOffset? at = null,
        Guid? classificationId = null, string decree = "188/12/PPID/2027", string rationale = "Sesuai tugas pokok unit.", Guid? supersedes = null) => new(
        classificationId ?? Guid.CreateVersion7(), itemId, category, category == Category.Berkala ? interval ?? 6 : null, rationale,
        category == Category.Dikecualikan ? test ?? Test() : null, Decree(decree), supersedes, "atasan-ppid-1", at ?? PublicationWithUpstreams.Start.AddDays(-7));

    public static ConsequenceTest Test(string exemptPart = "Lampiran II: identitas saksi", string publicSummary = "Membuka identitas saksi membahayakan keselamatannya.",
        string ifOpened = "Saksi terancam.", string ifClosed = "Proses hukum terlindungi.", string balance = "Kepentingan melindungi saksi lebih besar.",
        string? wholeReason = null, string? redaction = "Halaman 3 dihitamkan.", string legalBasis = "UU 14/2008 Pasal 17 huruf a angka 2",
        DateOnly? until = null) => new(
        exemptPart, wholeReason is not null, wholeReason, "a", "2", legalBasis, ifOpened, ifClosed, balance, publicSummary, until ?? new DateOnly(2030, 12, 31), redaction);
}
