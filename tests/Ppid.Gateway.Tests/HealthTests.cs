using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Ppid.Gateway.Tests;

public sealed class HealthTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task The_gateway_is_not_ready_while_a_service_has_no_live_instance_but_stays_live()
    {
        using var client = gateway.Client();

        await ForwardingTests.PollUntilAsync(async () =>
        {
            using var response = await client.GetAsync("/health/ready");
            return response.StatusCode == HttpStatusCode.ServiceUnavailable && (await response.Content.ReadAsStringAsync()).Contains("no instance of archive", StringComparison.Ordinal);
        });
        (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var ready = await client.GetAsync("/health/ready");
        (await ready.Content.ReadAsStringAsync()).ShouldContain("\"registry\":{\"status\":\"Healthy\"");
    }

    [Fact]
    public void A_missing_service_url_stops_the_gateway_with_a_message_naming_the_setting()
    {
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            b.UseSetting("ConnectionStrings:Postgres", gateway.Database.ConnectionString);
        });
        var error = Should.Throw<InvalidOperationException>(() => factory.CreateClient());
        error.Message.ShouldContain("Gateway:Services:registry");
    }
}
