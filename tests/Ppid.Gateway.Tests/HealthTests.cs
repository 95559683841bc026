using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ppid.Gateway.Tests;

public sealed class HealthTests
{
    /// <summary>A real HTTP listener on a free loopback port standing in for one service's /health/live.</summary>
    private static async Task<(WebApplication App, Uri Url)> StartServiceAsync(HttpStatusCode status)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/health/live", () => Results.StatusCode((int)status));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address));
    }

    private static WebApplicationFactory<Program> Gateway(IReadOnlyDictionary<string, Uri> services) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            foreach (var (name, url) in services) b.UseSetting($"Gateway:Services:{name}", url.ToString());
        });

    [Fact]
    public async Task The_gateway_is_ready_only_when_every_service_answers()
    {
        var up = await StartServiceAsync(HttpStatusCode.OK);
        var down = await StartServiceAsync(HttpStatusCode.ServiceUnavailable);
        try
        {
            var all = new Dictionary<string, Uri> { ["registry"] = up.Url, ["classification"] = up.Url, ["publication"] = up.Url, ["archive"] = up.Url };
            await using (var gateway = Gateway(all))
            {
                using var client = gateway.CreateClient();
                (await client.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
            }

            all["archive"] = down.Url;
            await using (var gateway = Gateway(all))
            {
                using var client = gateway.CreateClient();
                using var response = await client.GetAsync("/health/ready");
                response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
                (await response.Content.ReadAsStringAsync()).ShouldContain("archive");
                (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
            }
        }
        finally
        {
            await up.App.DisposeAsync();
            await down.App.DisposeAsync();
        }
    }

    [Fact]
    public void A_missing_service_url_stops_the_gateway_with_a_message_naming_the_setting()
    {
        using var gateway = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseEnvironment("Testing"));
        var error = Should.Throw<InvalidOperationException>(() => gateway.CreateClient());
        error.Message.ShouldContain("Gateway:Services:registry");
    }
}
