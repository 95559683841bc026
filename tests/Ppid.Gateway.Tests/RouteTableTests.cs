using Microsoft.Extensions.Configuration;
using Ppid.Gateway.Access;

namespace Ppid.Gateway.Tests;

/// <summary>The route table as shipped in appsettings.json, without I/O.</summary>
public sealed class RouteTableTests
{
    private static readonly RouteTable Shipped = new(
        new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build()
            .GetSection("Gateway").Get<GatewayOptions>()!.Routes);

    [Theory]
    [InlineData("GET", "/api/v1/registry/items", "tenant")]
    [InlineData("HEAD", "/api/v1/publication/editions/3", "tenant")]
    [InlineData("POST", "/api/v1/registry/items", "registry:write")]
    [InlineData("DELETE", "/api/v1/registry/units/DISKOMINFO", "registry:write")]
    [InlineData("POST", "/api/v1/classification/proposals", "classification:propose")]
    [InlineData("POST", "/api/v1/classification/items/9/proposal", "classification:propose")]
    [InlineData("POST", "/api/v1/classification/items/9/consultation", "classification:decide")]
    [InlineData("POST", "/api/v1/classification/meetings", "classification:decide")]
    [InlineData("POST", "/api/v1/classification/items/9/determination", "classification:decide")]
    [InlineData("POST", "/api/v1/classification/ratifications", "classification:ratify")]
    // The classification service's real routes: the petugas proposes and revises with
    // classification:propose (the only scope that may assert petugas).
    [InlineData("POST", "/api/v1/classification/classifications", "classification:propose")]
    [InlineData("POST", "/api/v1/classification/classifications/9/revisions", "classification:propose")]
    [InlineData("POST", "/api/v1/classification/classifications/9/comments", "classification:decide")]
    [InlineData("POST", "/api/v1/classification/classifications/9/meeting", "classification:decide")]
    [InlineData("POST", "/api/v1/classification/classifications/9/determination", "classification:decide")]
    [InlineData("POST", "/api/v1/classification/classifications/9/opening", "classification:decide")]
    [InlineData("POST", "/api/v1/classification/classifications/9/ratification", "classification:ratify")]
    [InlineData("POST", "/api/v1/publication/editions", "publication:publish")]
    [InlineData("GET", "/api/v1/archive/audit/items/9/history", "audit:read")]
    [InlineData("POST", "/api/v1/archive/audit/verifications", "audit:read")]
    [InlineData("POST", "/api/v1/archive/retention", "archive:manage")]
    [InlineData("GET", "/api/v1/gateway/keys", "admin")]
    public void The_shipped_table_names_the_scope_of_each_step(string method, string path, string scope) =>
        Shipped.Match(method, path)!.Scope.ShouldBe(scope);

    [Fact]
    public void A_method_no_rule_names_is_refused() =>
        Shipped.Match("TRACE", "/api/v1/registry/items").ShouldBeNull();

    [Fact]
    public void A_rule_with_an_unknown_scope_stops_start_up_naming_it()
    {
        var error = Should.Throw<InvalidOperationException>(() => new RouteTable([new RouteRule { Methods = "*", Path = "/api/v1/**", Scope = "superuser" }]));
        error.Message.ShouldContain("superuser");
    }
}
