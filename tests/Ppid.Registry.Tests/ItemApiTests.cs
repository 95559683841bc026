using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ppid.Registry.Tests;

public sealed class ItemApiTests(ApiWithReferenceData api) : IClassFixture<ApiWithReferenceData>
{
    [Fact]
    public async Task Registering_an_item_then_getting_it_returns_every_field_with_its_version_as_etag()
    {
        using var client = api.Client();
        using var created = await client.SendAsync(HttpMethod.Post, Api.Items, Api.Item());
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.BodyAsync()).GetProperty("id").GetGuid();
        created.Headers.Location!.ToString().ShouldBe($"/api/v1/registry/items/{id}");
        created.Headers.ETag!.Tag.ShouldBe("\"1\"");

        using var response = await client.GetAsync($"{Api.Items}/{id}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.ETag!.Tag.ShouldBe("\"1\"");
        var item = await response.BodyAsync();
        item.GetProperty("id").GetGuid().ShouldBe(id);
        item.GetProperty("version").GetInt64().ShouldBe(1);
        item.GetProperty("status").GetString().ShouldBe("active");
        item.GetProperty("title").GetString().ShouldBe("Peraturan Daerah Nomor 5 Tahun 2026 tentang Keterbukaan Informasi");
        item.GetProperty("holdingUnit").GetString().ShouldBe("DISKOMINFO");
        item.GetProperty("responsibleOfficial").GetString().ShouldBe("Kepala Dinas Komunikasi dan Informatika");
        item.GetProperty("productionDate").GetString().ShouldBe("2026-11-02");
        item.GetProperty("productionPlace").GetString().ShouldBe("Muara Sabak");
        item.GetProperty("forms").GetArrayLength().ShouldBe(2);
        item.GetProperty("forms")[1].GetProperty("form").GetString().ShouldBe("hardcopy");
        item.GetProperty("forms")[1].GetProperty("location").GetString().ShouldBe("Arsip Setda, rak B-12");
        item.GetProperty("recordClass").GetString().ShouldBe("000.1.1");
        item.GetProperty("kind").GetString().ShouldBe("regulation");
        item.GetProperty("language").GetString().ShouldBe("id");
        item.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["perda", "keterbukaan"]);
        var document = item.GetProperty("documents")[0];
        document.GetProperty("name").GetString().ShouldBe("perda-5-2026.pdf");
        document.GetProperty("size").GetInt64().ShouldBe(48213);
        document.GetProperty("documentId").GetGuid().ShouldNotBe(Guid.Empty);
        item.GetProperty("registeredAt").GetDateTimeOffset().ShouldBe(ApiWithReferenceData.Now);
    }

    [Fact]
    public async Task The_registered_event_is_stored_under_its_stable_name_with_tenant_and_actor_in_its_metadata()
    {
        using var client = api.Client();
        var id = await client.RegisterAsync();

        await using var cmd = api.Database.DataSource.CreateCommand(
            "select type, tenant, metadata::text, data->>'kind', stream_version from events where stream_id = $1");
        cmd.Parameters.AddWithValue($"item-{id}");
        await using var reader = await cmd.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetString(0).ShouldBe("registry.item-registered.v1");
        reader.GetString(1).ShouldBe("tenant-a");
        var metadata = JsonDocument.Parse(reader.GetString(2)).RootElement;
        metadata.GetProperty("actorId").GetString().ShouldBe("officer-7");
        metadata.GetProperty("actorRole").GetString().ShouldBe("petugas");
        metadata.GetProperty("clientSystem").GetString().ShouldBe("ppid-portal");
        reader.GetString(3).ShouldBe("regulation");
        reader.GetInt64(4).ShouldBe(1);
        (await reader.ReadAsync()).ShouldBeFalse();
    }

    [Fact]
    public async Task A_request_without_a_tenant_is_a_400_problem_and_creates_nothing()
    {
        var before = await api.EventCountAsync();
        using var client = api.CreateClient();
        using var response = await client.SendAsync(HttpMethod.Post, Api.Items, Api.Item());
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.Content.ReadAsStringAsync()).ShouldContain("X-Tenant-Id");
        (await api.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Bad_json_is_a_400_problem_and_creates_nothing()
    {
        var before = await api.EventCountAsync();
        using var client = api.Client();
        using var content = new StringContent("{\"title\": \"unterminated", System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(Api.Items, content);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await api.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task A_patch_with_the_current_version_records_only_what_changed()
    {
        using var client = api.Client();
        var id = await client.RegisterAsync();
        using var response = await client.SendAsync(HttpMethod.Patch, $"{Api.Items}/{id}",
            new JsonObject { ["title"] = "Perda 5/2026 (revisi)", ["tags"] = new JsonArray("perda") }, ifMatch: "\"1\"");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Headers.ETag!.Tag.ShouldBe("\"2\"");

        var item = await client.GetItemAsync(id);
        item.GetProperty("version").GetInt64().ShouldBe(2);
        item.GetProperty("title").GetString().ShouldBe("Perda 5/2026 (revisi)");
        item.GetProperty("tags").GetArrayLength().ShouldBe(1);
        item.GetProperty("summary").GetString().ShouldBe(Api.Item()["summary"]!.GetValue<string>());

        await using var cmd = api.Database.DataSource.CreateCommand("select type, data::text from events where stream_id = $1 and stream_version = 2");
        cmd.Parameters.AddWithValue($"item-{id}");
        await using var reader = await cmd.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetString(0).ShouldBe("registry.item-revised.v1");
        var data = JsonDocument.Parse(reader.GetString(1)).RootElement;
        data.GetProperty("title").GetString().ShouldBe("Perda 5/2026 (revisi)");
        data.GetProperty("summary").ValueKind.ShouldBe(JsonValueKind.Null);
        data.GetProperty("holdingUnit").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_put_replaces_the_details_and_a_put_that_changes_nothing_appends_nothing()
    {
        using var client = api.Client();
        var id = await client.RegisterAsync();
        var replacement = Api.Item(unit: "SETDA");
        replacement.Remove("documents");
        replacement["kind"] = "court-decision";
        using (var response = await client.SendAsync(HttpMethod.Put, $"{Api.Items}/{id}", replacement, ifMatch: "\"1\""))
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var item = await client.GetItemAsync(id);
        item.GetProperty("holdingUnit").GetString().ShouldBe("SETDA");
        item.GetProperty("kind").GetString().ShouldBe("court-decision");
        item.GetProperty("documents").GetArrayLength().ShouldBe(1);

        using (var again = await client.SendAsync(HttpMethod.Put, $"{Api.Items}/{id}", replacement, ifMatch: "\"2\""))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.OK);
            again.Headers.ETag!.Tag.ShouldBe("\"2\"");
        }
        (await api.CountAsync($"select count(*) from events where stream_id = 'item-{id}'")).ShouldBe(2);
    }

    [Fact]
    public async Task A_change_based_on_a_stale_version_is_a_409_and_changes_nothing()
    {
        using var client = api.Client();
        var id = await client.RegisterAsync();
        using (var first = await client.SendAsync(HttpMethod.Patch, $"{Api.Items}/{id}", new JsonObject { ["title"] = "First edit" }, ifMatch: "\"1\""))
            first.StatusCode.ShouldBe(HttpStatusCode.OK);

        using var stale = await client.SendAsync(HttpMethod.Patch, $"{Api.Items}/{id}", new JsonObject { ["title"] = "Lost edit" }, ifMatch: "\"1\"");
        stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        stale.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await stale.BodyAsync()).GetProperty("currentVersion").GetInt64().ShouldBe(2);

        var item = await client.GetItemAsync(id);
        item.GetProperty("title").GetString().ShouldBe("First edit");
        item.GetProperty("version").GetInt64().ShouldBe(2);
        (await api.CountAsync($"select count(*) from events where stream_id = 'item-{id}'")).ShouldBe(2);

        using var staleWithdraw = await client.SendAsync(HttpMethod.Post, $"{Api.Items}/{id}/withdraw", new JsonObject { ["reason"] = "x" }, ifMatch: "\"1\"");
        staleWithdraw.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await client.GetItemAsync(id)).GetProperty("status").GetString().ShouldBe("active");
    }

    [Fact]
    public async Task If_match_star_revises_whatever_version_exists_and_an_unknown_item_is_still_404()
    {
        using var client = api.Client();
        var id = await client.RegisterAsync();
        using (var first = await client.SendAsync(HttpMethod.Patch, $"{Api.Items}/{id}", new JsonObject { ["title"] = "First edit" }, ifMatch: "\"1\""))
            first.StatusCode.ShouldBe(HttpStatusCode.OK);

        using (var any = await client.SendAsync(HttpMethod.Patch, $"{Api.Items}/{id}", new JsonObject { ["title"] = "Any version" }, ifMatch: "*"))
        {
            any.StatusCode.ShouldBe(HttpStatusCode.OK);
            any.Headers.ETag!.Tag.ShouldBe("\"3\"");
        }
        var replacement = Api.Item();
        replacement.Remove("documents");
        replacement["summary"] = "Diganti seluruhnya";
        using (var put = await client.SendAsync(HttpMethod.Put, $"{Api.Items}/{id}", replacement, ifMatch: "*"))
            put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var item = await client.GetItemAsync(id);
        item.GetProperty("summary").GetString().ShouldBe("Diganti seluruhnya");
        item.GetProperty("version").GetInt64().ShouldBe(4);

        using (var unknown = await client.SendAsync(HttpMethod.Patch, $"{Api.Items}/{Guid.CreateVersion7()}", new JsonObject { ["title"] = "x" }, ifMatch: "*"))
            unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var tenantB = api.Client("tenant-b");
        using (var otherTenant = await tenantB.SendAsync(HttpMethod.Patch, $"{Api.Items}/{id}", new JsonObject { ["title"] = "hijacked" }, ifMatch: "*"))
            otherTenant.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using (var malformed = await client.SendAsync(HttpMethod.Patch, $"{Api.Items}/{id}", new JsonObject { ["title"] = "x" }, ifMatch: "**"))
            malformed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await client.GetItemAsync(id)).GetProperty("version").GetInt64().ShouldBe(4);
    }

    [Fact]
    public async Task Of_concurrent_changes_based_on_one_version_exactly_one_wins()
    {
        using var client = api.Client();
        var id = await client.RegisterAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            client.SendAsync(HttpMethod.Patch, $"{Api.Items}/{id}", new JsonObject { ["title"] = $"Edit {i}" }, ifMatch: "\"1\"")));
        try
        {
            responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(1);
            responses.Count(r => r.StatusCode == HttpStatusCode.Conflict).ShouldBe(4);
            (await api.CountAsync($"select count(*) from events where stream_id = 'item-{id}'")).ShouldBe(2);
        }
        finally
        {
            foreach (var r in responses) r.Dispose();
        }
    }

    [Fact]
    public async Task A_malformed_date_is_a_400_problem()
    {
        var body = Api.Item();
        body["productionDate"] = "2 November 2026";
        var before = await api.EventCountAsync();
        using var client = api.Client();
        using var response = await client.SendAsync(HttpMethod.Post, Api.Items, body);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await api.EventCountAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    public async Task A_revision_without_if_match_is_a_428(string method)
    {
        using var client = api.Client();
        var id = await client.RegisterAsync();
        var body = Api.Item();
        body.Remove("documents");
        using var response = await client.SendAsync(new HttpMethod(method), $"{Api.Items}/{id}", body);
        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionRequired);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await client.GetItemAsync(id)).GetProperty("version").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task An_item_is_withdrawn_with_a_reason_and_reinstated_and_each_only_from_the_right_status()
    {
        using var client = api.Client();
        var id = await client.RegisterAsync();

        using (var noReason = await client.SendAsync(HttpMethod.Post, $"{Api.Items}/{id}/withdraw", new JsonObject()))
            (await noReason.ValidationFieldsAsync()).ShouldBe(["reason"]);
        using (var reinstateActive = await client.SendAsync(HttpMethod.Post, $"{Api.Items}/{id}/reinstate"))
            reinstateActive.StatusCode.ShouldBe(HttpStatusCode.Conflict);

        using (var withdraw = await client.SendAsync(HttpMethod.Post, $"{Api.Items}/{id}/withdraw", new JsonObject { ["reason"] = "Dokumen dimusnahkan sesuai JRA" }))
            withdraw.StatusCode.ShouldBe(HttpStatusCode.OK, await withdraw.Content.ReadAsStringAsync());
        var withdrawn = await client.GetItemAsync(id);
        withdrawn.GetProperty("status").GetString().ShouldBe("withdrawn");
        withdrawn.GetProperty("withdrawalReason").GetString().ShouldBe("Dokumen dimusnahkan sesuai JRA");

        using (var again = await client.SendAsync(HttpMethod.Post, $"{Api.Items}/{id}/withdraw", new JsonObject { ["reason"] = "again" }))
            again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        using (var revise = await client.SendAsync(HttpMethod.Patch, $"{Api.Items}/{id}", new JsonObject { ["title"] = "x" }, ifMatch: "\"2\""))
            revise.StatusCode.ShouldBe(HttpStatusCode.Conflict);

        using (var reinstate = await client.SendAsync(HttpMethod.Post, $"{Api.Items}/{id}/reinstate"))
            reinstate.StatusCode.ShouldBe(HttpStatusCode.OK, await reinstate.Content.ReadAsStringAsync());
        var reinstated = await client.GetItemAsync(id);
        reinstated.GetProperty("status").GetString().ShouldBe("active");
        reinstated.GetProperty("withdrawalReason").ValueKind.ShouldBe(JsonValueKind.Null);
        reinstated.GetProperty("version").GetInt64().ShouldBe(3);
    }

    [Fact]
    public async Task Documents_are_attached_and_detached()
    {
        using var client = api.Client();
        var id = await client.RegisterAsync();
        using var attached = await client.SendAsync(HttpMethod.Post, $"{Api.Items}/{id}/documents", Api.Document("lampiran.pdf"));
        attached.StatusCode.ShouldBe(HttpStatusCode.OK, await attached.Content.ReadAsStringAsync());
        var documentId = (await attached.BodyAsync()).GetProperty("documentId").GetGuid();
        (await client.GetItemAsync(id)).GetProperty("documents").EnumerateArray().Select(d => d.GetProperty("name").GetString())
            .ShouldBe(["perda-5-2026.pdf", "lampiran.pdf"]);

        using (var bad = await client.SendAsync(HttpMethod.Post, $"{Api.Items}/{id}/documents", new JsonObject { ["name"] = "x.pdf", ["sha256"] = "abc" }))
            (await bad.ValidationFieldsAsync()).ShouldBe(["mediaType", "size", "sha256", "location"], ignoreOrder: true);

        using (var detached = await client.DeleteAsync($"{Api.Items}/{id}/documents/{documentId}"))
            detached.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetItemAsync(id)).GetProperty("documents").EnumerateArray().Select(d => d.GetProperty("name").GetString())
            .ShouldBe(["perda-5-2026.pdf"]);
        using (var again = await client.DeleteAsync($"{Api.Items}/{id}/documents/{documentId}"))
            again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await api.CountAsync($"select count(*) from events where stream_id = 'item-{id}'")).ShouldBe(3);
    }

    [Fact]
    public async Task Another_tenants_item_is_not_found_and_cannot_be_changed()
    {
        using var a = api.Client("tenant-a");
        using var b = api.Client("tenant-b");
        var id = await a.RegisterAsync();

        (await b.GetAsync($"{Api.Items}/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using (var patch = await b.SendAsync(HttpMethod.Patch, $"{Api.Items}/{id}", new JsonObject { ["title"] = "hijacked" }, ifMatch: "\"1\""))
            patch.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using (var withdraw = await b.SendAsync(HttpMethod.Post, $"{Api.Items}/{id}/withdraw", new JsonObject { ["reason"] = "hijacked" }))
            withdraw.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using (var attach = await b.SendAsync(HttpMethod.Post, $"{Api.Items}/{id}/documents", Api.Document()))
            attach.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var page = await (await b.GetAsync($"{Api.Items}?size=100")).BodyAsync();
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ShouldNotContain(id);

        var item = await a.GetItemAsync(id);
        item.GetProperty("version").GetInt64().ShouldBe(1);
        item.GetProperty("status").GetString().ShouldBe("active");
    }

    [Fact]
    public async Task An_unknown_item_is_a_404_problem()
    {
        using var client = api.Client();
        using var response = await client.GetAsync($"{Api.Items}/{Guid.CreateVersion7()}");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }
}
