using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ppid.Registry.Tests;

/// <summary>Calls the cycle tests share: clients in the SOP's roles, and the steps of a cycle.</summary>
public static class CyclesApi
{
    public const string Cycles = "/api/v1/registry/cycles";

    /// <summary>A client acting for <paramref name="tenant"/> in <paramref name="role"/> (X-Actor-Role).</summary>
    public static HttpClient ClientAs(this ApiWithReferenceData api, string role, string tenant = "tenant-a")
    {
        var client = api.Client(tenant);
        client.DefaultRequestHeaders.Remove("X-Actor-Role");
        client.DefaultRequestHeaders.Add("X-Actor-Role", role);
        return client;
    }

    /// <summary>A tenant of its own (with the DISKOMINFO unit and a record class), so receipt numbers start at 0001.</summary>
    public static async Task NewTenantAsync(this ApiWithReferenceData api, string tenant)
    {
        using var client = api.Client(tenant);
        (await client.PutAsJsonAsync("/api/v1/registry/units/DISKOMINFO", new { name = "Dinas Komunikasi dan Informatika" })).EnsureSuccessStatusCode();
        (await client.PutAsJsonAsync("/api/v1/registry/record-classes/000.1.1",
            new { name = "Peraturan daerah", activeYears = 2, inactiveYears = 3, disposition = "permanent" })).EnsureSuccessStatusCode();
    }

    public static async Task<Guid> OpenCycleAsync(this ApiWithReferenceData api, string period, string tenant = "tenant-a", int year = 2027)
    {
        using var client = api.ClientAs("ppid", tenant);
        using var response = await client.SendAsync(HttpMethod.Post, Cycles, new JsonObject { ["period"] = period, ["year"] = year });
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    public static async Task<Guid[]> RegisterItemsAsync(this ApiWithReferenceData api, int count, string tenant = "tenant-a", string unit = "DISKOMINFO")
    {
        using var client = api.Client(tenant);
        var ids = new Guid[count];
        for (var i = 0; i < count; i++) ids[i] = await client.RegisterAsync(Api.Item($"Informasi {i} untuk siklus", unit));
        return ids;
    }

    public static JsonObject Submission(string unit, params Guid[] items) =>
        new() { ["unit"] = unit, ["itemIds"] = new JsonArray([.. items.Select(i => JsonValue.Create(i))]) };

    public static Task<HttpResponseMessage> SubmitAsync(this HttpClient client, Guid cycleId, JsonObject body, string? idempotencyKey = null) =>
        client.SendAsync(HttpMethod.Post, $"{Cycles}/{cycleId}/submissions", body, idempotencyKey: idempotencyKey);

    /// <summary>Submits as a work unit and returns the receipt, failing with the problem details when refused.</summary>
    public static async Task<JsonElement> SubmitOkAsync(this ApiWithReferenceData api, Guid cycleId, string tenant, params Guid[] items)
    {
        using var client = api.ClientAs("unit-kerja", tenant);
        using var response = await client.SubmitAsync(cycleId, Submission("DISKOMINFO", items));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> VerifyAsync(this HttpClient client, Guid cycleId, Guid itemId, string outcome, string? notes = null) =>
        client.SendAsync(HttpMethod.Post, $"{Cycles}/{cycleId}/items/{itemId}/verification", new JsonObject { ["outcome"] = outcome, ["notes"] = notes });

    public static async Task VerifyOkAsync(this ApiWithReferenceData api, Guid cycleId, Guid itemId, string outcome, string? notes = null, string tenant = "tenant-a")
    {
        using var client = api.ClientAs("sekretariat", tenant);
        using var response = await client.VerifyAsync(cycleId, itemId, outcome, notes);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    public static Task<HttpResponseMessage> CloseAsync(this HttpClient client, Guid cycleId) =>
        client.SendAsync(HttpMethod.Post, $"{Cycles}/{cycleId}/close");

    public static async Task<JsonElement> GetCycleAsync(this ApiWithReferenceData api, Guid cycleId, string tenant = "tenant-a")
    {
        using var client = api.Client(tenant);
        using var response = await client.GetAsync($"{Cycles}/{cycleId}");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The problem type's last segment (the refusal's code) of a 409.</summary>
    public static async Task<string> RefusalAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Conflict, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("type").GetString()!.Split('/')[^1];
    }
}
