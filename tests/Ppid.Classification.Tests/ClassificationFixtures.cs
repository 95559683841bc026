using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Ppid.Contracts.Registry;
using Ppid.Testing;

namespace Ppid.Classification.Tests;

/// <summary>
/// The classification service on its own database and vhost with a clock the tests set, and the
/// registry's real event store and forwarder on the same vhost: items reach classification as in
/// production, through RabbitMQ.
/// </summary>
public class ApiWithRegistry : ServiceFixture<Program>
{
    /// <summary>Wednesday 10 March 2027, 09:00 WIB.</summary>
    public static readonly DateTimeOffset Now = new(2027, 3, 10, 2, 0, 0, TimeSpan.Zero);

    public static readonly DateOnly Today = new(2027, 3, 10);

    public ManualClock Clock { get; } = new(Now);

    public UpstreamService Registry { get; private set; } = null!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // The scheduler's own loop stays out of the way: tests drive it with RunOnceAsync.
        builder.UseSetting("Classification:Expiry:Interval", "01:00:00");
        builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
        builder.ConfigureLogging(l => l.AddProvider(new FileLoggerProvider(FileLoggerProvider.PathFor("classification"))));
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Registry = await UpstreamService.StartAsync("registry", Vhost, LoggerFactory.Create(l => l.AddProvider(new FileLoggerProvider(FileLoggerProvider.PathFor("registry")))));
    }

    public override async ValueTask DisposeAsync()
    {
        if (Registry is not null) await Registry.DisposeAsync();
        Registry = null!;
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A client acting for <paramref name="tenant"/> as <paramref name="actor"/> in <paramref name="role"/>.</summary>
    public HttpClient Client(string role = "petugas", string actor = "petugas-1", string tenant = "tenant-a")
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Tenant-Id", tenant);
        client.DefaultRequestHeaders.Add("X-Actor-Id", actor);
        client.DefaultRequestHeaders.Add("X-Actor-Role", role);
        client.DefaultRequestHeaders.Add("X-Client-System", "ppid-portal");
        return client;
    }

    public HttpClient Petugas(string tenant = "tenant-a") => Client("petugas", "petugas-1", tenant);
    public HttpClient Ppid(string tenant = "tenant-a") => Client("ppid", "ppid-1", tenant);
    public HttpClient Tim(string tenant = "tenant-a") => Client("tim-pelayanan", "tim-1", tenant);
    public HttpClient Atasan(string tenant = "tenant-a") => Client("atasan-ppid", "atasan-1", tenant);

    /// <summary>Registers an item in the registry and waits until classification knows it.</summary>
    public async Task<Guid> RegisterItemAsync(DocumentKind kind = DocumentKind.Report, string tenant = "tenant-a", string title = "Laporan hasil audit internal 2026")
    {
        var id = Guid.CreateVersion7();
        await Registry.AppendAsync(tenant, $"item-{id}", "registry.item", new InformationItemRegistered(id, title, "Ringkasan isi.", "SETDA",
            "Sekretaris Daerah", new DateOnly(2026, 11, 2), "Muara Sabak", [new AvailableForm(InformationForm.Softcopy, "PDF", "https://ppid.example/doc.pdf")],
            "900.1", kind, "id", [], [], Now));
        await WaitUntilAsync($"select count(*) from known_items where item_id = '{id}'", 1);
        return id;
    }

    public async Task WithdrawItemAsync(Guid id, string tenant = "tenant-a")
    {
        await Registry.AppendAsync(tenant, $"item-{id}", "registry.item", new InformationItemWithdrawn(id, "Tidak lagi dikuasai.", Now));
        await WaitUntilAsync($"select count(*) from known_items where item_id = '{id}' and withdrawn", 1);
    }

    /// <summary>Polls a count until it reaches <paramref name="expected"/> (the effect of an event sent through RabbitMQ).</summary>
    public async Task WaitUntilAsync(string countSql, long expected)
    {
        long last = -1;
        if (await Poll.UntilAsync(async () => (last = await CountAsync(countSql)) == expected, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50))) return;
        throw new TimeoutException($"'{countSql}' stayed at {last}, expected {expected}: did the event reach classification through RabbitMQ?");
    }

    public async Task<long> CountAsync(string sql)
    {
        await using var cmd = Database.DataSource.CreateCommand(sql);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    public Task<long> EventCountAsync() => CountAsync("select count(*) from events");
}

/// <summary>Request bodies and calls the tests share.</summary>
public static class Api
{
    public const string Classifications = "/api/v1/classification/classifications";

    public static JsonObject ExemptTest() => new()
    {
        ["exemptPart"] = "Lampiran II: identitas saksi dan pelapor",
        ["wholeDocument"] = false,
        ["pasal17Letter"] = "a",
        ["pasal17SubPoint"] = "2",
        ["legalBasis"] = "Pasal 17 huruf a angka 2 UU 14/2008; UU 31/2014 tentang Perlindungan Saksi dan Korban",
        ["consequenceIfOpened"] = "Membahayakan keselamatan saksi dan pelapor.",
        ["consequenceIfClosed"] = "Publik tidak mengetahui identitas saksi; temuan audit tetap dibuka.",
        ["publicInterestBalance"] = "Perlindungan saksi lebih besar daripada kepentingan publik atas identitasnya.",
        ["publicSummary"] = "Identitas saksi dan pelapor dalam laporan audit.",
        ["exemptUntil"] = "2029-12-31",
        ["redactionNotes"] = "Nama, alamat dan NIK saksi dihitamkan di halaman 12–14.",
    };

    public static JsonObject Proposal(Guid itemId, string category = "setiap-saat") => category switch
    {
        "berkala" => new JsonObject { ["itemId"] = itemId, ["category"] = "berkala", ["intervalMonths"] = 6, ["rationale"] = "Laporan berkala (Pasal 9)." },
        "dikecualikan" => new JsonObject { ["itemId"] = itemId, ["category"] = "dikecualikan", ["rationale"] = "Memuat identitas saksi.", ["consequenceTest"] = ExemptTest() },
        _ => new JsonObject { ["itemId"] = itemId, ["category"] = category, ["rationale"] = "Tersedia setiap saat (Pasal 11)." },
    };

    public static JsonObject Meeting(string outcome = "agreed") => new()
    {
        ["meetingDate"] = "2027-03-09",
        ["attendees"] = new JsonArray("PPID Utama", "PPID Pelaksana Setda", "Tim Pelayanan Informasi"),
        ["minutesReference"] = "Notulen Rapat Koordinasi No. 005/RK-PPID/III/2027",
        ["outcome"] = outcome,
        ["notes"] = outcome == "returned" ? "Perjelas bagian yang dikecualikan." : null,
    };

    public static JsonObject Determination() => new()
    {
        ["decreeNumber"] = "188.4/012/PPID/2027",
        ["decreeDate"] = "2027-03-10",
        ["place"] = "Muara Sabak",
        ["ppidName"] = "Drs. Ahmad Fauzi, M.Si.",
    };

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public static async Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string url, JsonNode? body = null,
        string? ifMatch = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = Json(body);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string url, JsonNode? body, string? ifMatch) =>
        client.SendAsync(HttpMethod.Post, url, body ?? new JsonObject(), ifMatch);

    /// <summary>Proposes and returns the classification's id and ETag, failing with the problem when refused.</summary>
    public static async Task<(Guid Id, string ETag)> ProposeAsync(this HttpClient petugas, JsonObject body)
    {
        using var response = await petugas.SendAsync(HttpMethod.Post, Classifications, body);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        return (JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid(), response.Headers.ETag!.Tag);
    }

    /// <summary>Takes a step and returns the new ETag, failing with the problem when refused.</summary>
    public static async Task<string> StepAsync(this HttpClient client, Guid id, string step, JsonNode? body, string etag)
    {
        using var response = await client.PostAsync($"{Classifications}/{id}/{step}", body, etag);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return response.Headers.ETag!.Tag;
    }

    public static async Task<JsonElement> GetAsync(this HttpClient client, Guid id)
    {
        using var response = await client.GetAsync($"{Classifications}/{id}");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<string> ETagAsync(this HttpClient client, Guid id)
    {
        using var response = await client.GetAsync($"{Classifications}/{id}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return response.Headers.ETag!.Tag;
    }

    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<string[]> ValidationFieldsAsync(this HttpResponseMessage response) =>
        (await response.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray();
}

/// <summary>The workflow's happy path, step by step, so tests can stop wherever they need.</summary>
public sealed class Cycle(ApiWithRegistry api)
{
    public async Task<(Guid Id, string ETag)> ConsultedAsync(JsonObject proposal)
    {
        using var petugas = api.Petugas();
        using var ppid = api.Ppid();
        using var tim = api.Tim();
        var (id, etag) = await petugas.ProposeAsync(proposal);
        etag = await ppid.StepAsync(id, "comments", new JsonObject { ["comment"] = "Sesuai." }, etag);
        etag = await tim.StepAsync(id, "comments", new JsonObject { ["comment"] = "Setuju." }, etag);
        return (id, etag);
    }

    public async Task<(Guid Id, string ETag)> AgreedAsync(JsonObject proposal)
    {
        var (id, etag) = await ConsultedAsync(proposal);
        using var ppid = api.Ppid();
        return (id, await ppid.StepAsync(id, "meeting", Api.Meeting(), etag));
    }

    public async Task<(Guid Id, string ETag)> DeterminedAsync(JsonObject proposal)
    {
        var (id, etag) = await AgreedAsync(proposal);
        using var ppid = api.Ppid();
        return (id, await ppid.StepAsync(id, "determination", Api.Determination(), etag));
    }

    public async Task<(Guid Id, string ETag)> RatifiedAsync(JsonObject proposal)
    {
        var (id, etag) = await DeterminedAsync(proposal);
        using var atasan = api.Atasan();
        return (id, await atasan.StepAsync(id, "ratification", null, etag));
    }
}
