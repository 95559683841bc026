using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Ppid.Testing;

namespace Ppid.Registry.Tests;

/// <summary>The registry on its own database and vhost, with a clock the tests set, and tenant-a's and tenant-b's units and record classes defined.</summary>
public class ApiWithReferenceData : ServiceFixture<Program>
{
    public static readonly DateTimeOffset Now = new(2027, 3, 10, 2, 0, 0, TimeSpan.Zero); // 11:00 in WIT, 09:00 in WIB

    public ManualClock Clock { get; } = new(Now);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var tenant in new[] { "tenant-a", "tenant-b" })
        {
            using var client = Client(tenant);
            (await client.PutAsJsonAsync("/api/v1/registry/units/DISKOMINFO", new { name = "Dinas Komunikasi dan Informatika" })).EnsureSuccessStatusCode();
            (await client.PutAsJsonAsync("/api/v1/registry/units/SETDA", new { name = "Sekretariat Daerah" })).EnsureSuccessStatusCode();
            (await client.PutAsJsonAsync("/api/v1/registry/record-classes/000.1.1",
                new { name = "Peraturan daerah", activeYears = 2, inactiveYears = 3, disposition = "permanent" })).EnsureSuccessStatusCode();
            (await client.PutAsJsonAsync("/api/v1/registry/record-classes/900.1",
                new { name = "Laporan keuangan", activeYears = 2, inactiveYears = 8, disposition = "destroy" })).EnsureSuccessStatusCode();
        }
    }

    /// <summary>A client acting for <paramref name="tenant"/> as a PPID officer of a client system.</summary>
    public HttpClient Client(string tenant = "tenant-a")
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Tenant-Id", tenant);
        client.DefaultRequestHeaders.Add("X-Actor-Id", "officer-7");
        client.DefaultRequestHeaders.Add("X-Actor-Role", "petugas");
        client.DefaultRequestHeaders.Add("X-Client-System", "ppid-portal");
        return client;
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
    public const string Items = "/api/v1/registry/items";

    /// <summary>A valid item (every DIP field); tests change or remove fields to break one rule at a time.</summary>
    public static JsonObject Item(string title = "Peraturan Daerah Nomor 5 Tahun 2026 tentang Keterbukaan Informasi", string unit = "DISKOMINFO") => new()
    {
        ["title"] = title,
        ["summary"] = "Mengatur tata cara pelayanan informasi publik di lingkungan pemerintah daerah.",
        ["holdingUnit"] = unit,
        ["responsibleOfficial"] = "Kepala Dinas Komunikasi dan Informatika",
        ["productionDate"] = "2026-11-02",
        ["productionPlace"] = "Muara Sabak",
        ["forms"] = new JsonArray(
            new JsonObject { ["form"] = "softcopy", ["format"] = "PDF", ["location"] = "https://jdih.example.go.id/perda-5-2026.pdf" },
            new JsonObject { ["form"] = "hardcopy", ["format"] = "paper", ["location"] = "Arsip Setda, rak B-12" }),
        ["recordClass"] = "000.1.1",
        ["kind"] = "regulation",
        ["language"] = "id",
        ["tags"] = new JsonArray("perda", "keterbukaan"),
        ["documents"] = new JsonArray(Document()),
    };

    public static JsonObject Document(string name = "perda-5-2026.pdf") => new()
    {
        ["name"] = name,
        ["mediaType"] = "application/pdf",
        ["size"] = 48213,
        ["sha256"] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ["location"] = "s3://ppid-docs/tenant-a/perda-5-2026.pdf",
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

    /// <summary>Registers an item and returns its id, failing with the problem details when it was refused.</summary>
    public static async Task<Guid> RegisterAsync(this HttpClient client, JsonObject? body = null)
    {
        using var response = await client.SendAsync(HttpMethod.Post, Items, body ?? Item());
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> GetItemAsync(this HttpClient client, Guid id)
    {
        using var response = await client.GetAsync($"{Items}/{id}");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> BodyAsync(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>The field names of a validation problem's <c>errors</c>.</summary>
    public static async Task<string[]> ValidationFieldsAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        return JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray();
    }
}
