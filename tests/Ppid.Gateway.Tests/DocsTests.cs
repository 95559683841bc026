using System.Net;
using System.Text.Json;

namespace Ppid.Gateway.Tests;

public sealed class DocsTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task The_merged_openapi_document_has_the_services_routes_scopes_and_a_note_for_a_service_that_is_down()
    {
        using var client = gateway.Client();

        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;

        var paths = document.GetProperty("paths");
        var items = paths.GetProperty("/api/v1/registry/items");
        items.GetProperty("get").GetProperty("x-required-scope").GetString().ShouldBe("tenant");
        items.GetProperty("post").GetProperty("x-required-scope").GetString().ShouldBe("registry:write");
        var responses = items.GetProperty("post").GetProperty("responses");
        foreach (var status in new[] { "401", "403", "429", "502", "503", "504" }) responses.TryGetProperty(status, out _).ShouldBeTrue(status);
        responses.GetProperty("503").GetProperty("headers").TryGetProperty("Retry-After", out _).ShouldBeTrue();
        paths.GetProperty("/api/v1/publication/things").GetProperty("post").GetProperty("x-required-scope").GetString().ShouldBe("publication:publish");
        paths.TryGetProperty("/api/v1/gateway/keys", out var keys).ShouldBeTrue();
        keys.GetProperty("post").GetProperty("x-required-scope").GetString().ShouldBe("admin");
        document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("name").GetString().ShouldBe("X-Api-Key");
        document.GetProperty("info").GetProperty("description").GetString()!.ShouldContain("archive service did not answer");

        // Two services call different schemas "Item": each keeps its own under a distinct name.
        var schemas = document.GetProperty("components").GetProperty("schemas");
        schemas.TryGetProperty("Item", out _).ShouldBeTrue();
        schemas.EnumerateObject().Count(s => s.Name.EndsWith("Item", StringComparison.Ordinal)).ShouldBeGreaterThanOrEqualTo(2);
        paths.GetProperty("/api/v1/publication/things").GetProperty("post").GetProperty("requestBody").GetRawText().ShouldContain("publication_Item");
    }

    [Fact]
    public async Task The_docs_page_is_served_without_a_key_with_a_content_security_policy()
    {
        using var client = gateway.Client();

        using var response = await client.GetAsync("/docs/index.html");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("swagger", Case.Insensitive);
        response.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("default-src 'self'");
    }
}
