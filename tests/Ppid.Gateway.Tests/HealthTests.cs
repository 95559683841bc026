using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Ppid.Gateway.Tests;

public sealed class HealthTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task The_gateway_stays_ready_while_a_service_has_no_live_instance_and_reports_that_service_degraded()
    {
        using var client = gateway.Client();

        await ForwardingTests.PollUntilAsync(async () =>
        {
            using var response = await client.GetAsync("/health/ready");
            return response.StatusCode == HttpStatusCode.OK && Check(await response.Content.ReadAsStringAsync(), "archive").Status == "Degraded";
        });

        using var ready = await client.GetAsync("/health/ready");
        var body = await ready.Content.ReadAsStringAsync();
        JsonDocument.Parse(body).RootElement.GetProperty("status").GetString().ShouldBe("Degraded");
        Check(body, "archive").Description.ShouldContain("no instance of archive");
        Check(body, "database").Status.ShouldBe("Healthy");
        Check(body, "registry").Status.ShouldBe("Healthy");
        Check(body, "classification").Description.ShouldBe("1 of 2 instances available");
        (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static (string Status, string Description) Check(string body, string name)
    {
        var check = JsonDocument.Parse(body).RootElement.GetProperty("checks").GetProperty(name);
        return (check.GetProperty("status").GetString()!, check.GetProperty("description").GetString() ?? "");
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
