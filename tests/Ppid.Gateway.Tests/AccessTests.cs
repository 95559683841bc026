using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Ppid.Gateway.Keys;

namespace Ppid.Gateway.Tests;

public sealed class AccessTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task A_request_without_a_key_or_with_an_unknown_key_is_401_problem_details()
    {
        using var anonymous = gateway.Client();
        using var unknown = gateway.Client("ppid_this-key-was-never-issued");

        using var missing = await anonymous.GetAsync("/api/v1/registry/items");
        using var wrong = await unknown.GetAsync("/api/v1/registry/items");

        missing.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        missing.Headers.WwwAuthenticate.ToString().ShouldBe("ApiKey");
        missing.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_key_works_in_the_authorization_header_and_in_x_api_key()
    {
        var key = (await gateway.KeyAsync("registry:write")).Secret;
        using var byAuthorization = gateway.Client(key);
        using var byHeader = gateway.Client();
        byHeader.DefaultRequestHeaders.Add("X-Api-Key", key);

        (await byAuthorization.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await byHeader.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_keys_tenant_is_injected_and_a_callers_tenant_header_cannot_override_it()
    {
        using var client = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/registry/items");
        request.Headers.Add("X-Tenant-Id", "kabupaten-lain");
        request.Headers.Add("X-Client-System", "forged-client");

        var echo = await GatewayFixture.EchoOf(await client.SendAsync(request));

        echo.Headers["X-Tenant-Id"].ShouldBe(GatewayFixture.Tenant);
        echo.Headers["X-Client-System"].ShouldBe("sipd");
    }

    [Fact]
    public async Task Reading_needs_any_key_of_the_tenant_but_writing_needs_the_routes_scope()
    {
        using var reader = gateway.Client((await gateway.KeyAsync("audit:read")).Secret);
        using var registrar = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);

        (await reader.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var refused = await reader.PostAsync("/api/v1/registry/items", JsonContent.Create(new { title = "x" }));
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("registry:write");
        (await registrar.PostAsync("/api/v1/registry/items", JsonContent.Create(new { title = "x" }))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await registrar.PostAsync("/api/v1/classification/items/1/proposal", JsonContent.Create(new { }))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await registrar.GetAsync("/api/v1/archive/audit/items/1")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.GetAsync("/api/v1/archive/audit/items/1")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable); // allowed; archive is down here
    }

    [Theory]
    [InlineData("classification:propose", "/api/v1/classification/items/7/proposals", true)]
    [InlineData("classification:propose", "/api/v1/classification/items/7/determination", false)]
    [InlineData("classification:decide", "/api/v1/classification/items/7/determination", true)]
    [InlineData("classification:decide", "/api/v1/classification/items/7/ratification", false)]
    [InlineData("classification:ratify", "/api/v1/classification/items/7/ratification", true)]
    [InlineData("publication:publish", "/api/v1/publication/editions", true)]
    [InlineData("registry:write", "/api/v1/publication/editions", false)]
    public async Task Each_classification_step_needs_its_own_scope(string scope, string path, bool allowed)
    {
        using var client = gateway.Client((await gateway.KeyAsync(scope)).Secret);

        using var response = await client.PostAsync(path, JsonContent.Create(new { }));

        response.StatusCode.ShouldBe(allowed ? HttpStatusCode.OK : HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_key_may_assert_only_the_roles_its_scopes_allow()
    {
        var key = (await gateway.KeyAsync("registry:write", "classification:propose")).Secret;
        using var client = gateway.Client(key);

        async Task<HttpResponseMessage> AsAsync(string role)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/registry/items");
            request.Headers.Add("X-Actor-Id", "budi@kota-contoh.go.id");
            request.Headers.Add("X-Actor-Role", role);
            return await client.SendAsync(request);
        }

        var echo = await GatewayFixture.EchoOf(await AsAsync("petugas"));
        echo.Headers["X-Actor-Role"].ShouldBe("petugas");
        echo.Headers["X-Actor-Id"].ShouldBe("budi@kota-contoh.go.id");
        using var refused = await AsAsync("atasan-ppid");
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("atasan-ppid");

        using var admin = gateway.Client((await gateway.KeyAsync("admin")).Secret);
        using var asAtasan = new HttpRequestMessage(HttpMethod.Get, "/api/v1/registry/items");
        asAtasan.Headers.Add("X-Actor-Role", "atasan-ppid");
        (await GatewayFixture.EchoOf(await admin.SendAsync(asAtasan))).Headers["X-Actor-Role"].ShouldBe("atasan-ppid");
    }

    [Fact]
    public async Task The_admin_api_creates_lists_and_revokes_keys_of_its_own_tenant()
    {
        using var admin = gateway.Client((await gateway.KeyAsync("admin")).Secret);

        using var created = await admin.PostAsJsonAsync("/api/v1/gateway/keys", new { clientName = "srikandi", scopes = new[] { "registry:write" } });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var issued = (await created.Content.ReadFromJsonAsync<KeysApi.IssuedKeyView>())!;
        issued.Key.Tenant.ShouldBe(GatewayFixture.Tenant);
        issued.Key.Scopes.ShouldBe(["registry:write"]);

        using var newKey = gateway.Client(issued.Secret);
        (await GatewayFixture.EchoOf(await newKey.GetAsync("/api/v1/registry/items"))).Headers["X-Client-System"].ShouldBe("srikandi");

        var listed = await admin.GetStringAsync("/api/v1/gateway/keys");
        listed.ShouldContain(issued.Key.Id.ToString());
        listed.ShouldNotContain(issued.Secret);

        (await admin.DeleteAsync($"/api/v1/gateway/keys/{issued.Key.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await newKey.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_admin_api_answers_404_for_another_tenants_key_and_403_without_admin()
    {
        var foreign = await gateway.Keys.CreateAsync("kabupaten-lain", "other", ["registry:write"]);
        using var admin = gateway.Client((await gateway.KeyAsync("admin")).Secret);
        using var notAdmin = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);

        (await admin.GetAsync($"/api/v1/gateway/keys/{foreign.Key.Id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.DeleteAsync($"/api/v1/gateway/keys/{foreign.Key.Id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.GetStringAsync("/api/v1/gateway/keys")).ShouldNotContain(foreign.Key.Id.ToString());
        (await notAdmin.GetAsync("/api/v1/gateway/keys")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var foreignClient = gateway.Client(foreign.Secret);
        (await foreignClient.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Creating_a_key_with_unknown_scopes_or_no_client_name_is_a_400_naming_each_field()
    {
        using var admin = gateway.Client((await gateway.KeyAsync("admin")).Secret);

        using var response = await admin.PostAsJsonAsync("/api/v1/gateway/keys", new { clientName = "", scopes = new[] { "root" } });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        errors.TryGetProperty("clientName", out _).ShouldBeTrue();
        errors.GetProperty("scopes")[0].GetString()!.ShouldContain("root");
    }

    [Fact]
    public async Task A_rotated_key_stays_valid_for_its_grace_period_and_then_not()
    {
        var old = await gateway.KeyAsync("registry:write");
        using var admin = gateway.Client((await gateway.KeyAsync("admin")).Secret);

        using var rotated = await admin.PostAsJsonAsync($"/api/v1/gateway/keys/{old.Key.Id}/rotate", new { graceSeconds = 3600 });
        rotated.StatusCode.ShouldBe(HttpStatusCode.Created);
        var successor = (await rotated.Content.ReadFromJsonAsync<KeysApi.IssuedKeyView>())!;
        using var oldClient = gateway.Client(old.Secret);
        using var newClient = gateway.Client(successor.Secret);

        (await oldClient.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await newClient.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.PostAsJsonAsync($"/api/v1/gateway/keys/{old.Key.Id}/rotate", new { })).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        gateway.Clock.Advance(TimeSpan.FromSeconds(3601));

        (await oldClient.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await newClient.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_command_line_tool_makes_a_key_that_the_gateway_accepts()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await KeysCommand.RunAsync(["create", "--tenant", GatewayFixture.Tenant, "--scopes", "admin,audit:read", "--client", "bootstrap"],
            gateway.Database.ConnectionString, output, error);

        exit.ShouldBe(0, error.ToString());
        var key = output.ToString().Split('\n').Single(l => l.StartsWith("key:", StringComparison.Ordinal))[4..].Trim();
        using var client = gateway.Client(key);
        (await client.GetAsync("/api/v1/gateway/keys")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await KeysCommand.RunAsync(["create", "--tenant", "x", "--scopes", "everything"], gateway.Database.ConnectionString, output, error)).ShouldBe(2);
        error.ToString().ShouldContain("everything");
    }
}

public sealed class KeysCommandTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await KeysCommand.RunAsync(args, gateway.Database.ConnectionString, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static string Field(string output, string name) =>
        output.Split('\n').Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();

    [Fact]
    public async Task The_command_line_tool_lists_rotates_and_revokes_keys_of_any_tenant()
    {
        var created = await RunAsync("create", "--tenant", "kabupaten-cli", "--scopes", "registry:write", "--client", "simda");
        created.Exit.ShouldBe(0, created.Error);
        var id = Field(created.Output, "id");
        var oldKey = Field(created.Output, "key");

        (await RunAsync("list", "--tenant", "kabupaten-cli")).Output.ShouldContain(id);

        var rotated = await RunAsync("rotate", "--id", id, "--grace-hours", "0");
        rotated.Exit.ShouldBe(0, rotated.Error);
        var newKey = Field(rotated.Output, "key");
        gateway.Clock.Set(DateTimeOffset.UtcNow.AddSeconds(1)); // the tool runs on the real clock; bring the gateway's past the zero grace
        using (var old = gateway.Client(oldKey)) (await old.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using (var fresh = gateway.Client(newKey)) (await fresh.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var successor = Field(rotated.Output, "id");
        (await RunAsync("revoke", "--id", successor)).Exit.ShouldBe(0);
        // The tool is not this gateway process: the gateway's cached answer for the key lasts at most Gateway:KeyCache.
        gateway.Clock.Advance(gateway.Services.GetRequiredService<GatewayOptions>().KeyCache);
        using (var revoked = gateway.Client(newKey)) (await revoked.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await RunAsync("revoke", "--id", Guid.NewGuid().ToString())).Exit.ShouldBe(1);
        (await RunAsync("create", "--tenant")).Exit.ShouldBe(2);
    }

    [Fact]
    public async Task An_overlong_actor_id_is_a_400_naming_the_header()
    {
        using var client = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/registry/items");
        request.Headers.TryAddWithoutValidation("X-Actor-Id", new string('a', 101));

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("X-Actor-Id");
    }
}

public sealed class TightlyLimitedGateway : GatewayFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Gateway:RateLimit:TokenLimit", "2"),
        new("Gateway:RateLimit:TokensPerPeriod", "1"),
        new("Gateway:RateLimit:ReplenishmentPeriod", "01:00:00"),
    ];
}

public sealed class RateLimitTests(TightlyLimitedGateway gateway) : IClassFixture<TightlyLimitedGateway>
{
    [Fact]
    public async Task A_key_over_its_rate_limit_gets_429_with_retry_after_while_another_key_still_passes()
    {
        using var client = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);
        using var other = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);

        (await client.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var limited = await client.GetAsync("/api/v1/registry/items");

        limited.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        limited.Headers.RetryAfter.ShouldNotBeNull();
        limited.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await other.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
