using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ppid.Platform.Hosting;
using Ppid.Platform.Http;

namespace Ppid.Gateway.Tests;

/// <summary>The platform's GatewayTrust, as every service gets it from AddServiceDefaults.</summary>
public sealed class GatewayTrustTests
{
    private static async Task<(WebApplication App, HttpClient Client)> StartServiceAsync(string environment, string? secret)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (secret is not null) builder.Configuration[GatewayTrust.SecretSetting] = secret;
        builder.AddServiceDefaults("trust-test");
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapGet("/api/v1/registry/items", () => Results.Ok("items"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new HttpClient { BaseAddress = new Uri(address) });
    }

    [Fact]
    public async Task A_service_with_a_gateway_secret_refuses_a_request_without_it_and_accepts_one_with_it()
    {
        var (app, client) = await StartServiceAsync(Environments.Production, "s3cret-shared-with-the-gateway");
        await using var _ = app;
        using var __ = client;

        using var direct = await client.GetAsync("/api/v1/registry/items");
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/api/v1/registry/items") { Headers = { { GatewayTrust.Header, "guess" } } };
        using var wrong = await client.SendAsync(forged);
        using var viaGateway = new HttpRequestMessage(HttpMethod.Get, "/api/v1/registry/items") { Headers = { { GatewayTrust.Header, "s3cret-shared-with-the-gateway" } } };
        using var accepted = await client.SendAsync(viaGateway);

        direct.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        direct.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        accepted.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public void A_service_in_production_without_a_gateway_secret_does_not_start()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });

        var error = Should.Throw<InvalidOperationException>(() => builder.AddServiceDefaults("trust-test"));

        error.Message.ShouldContain(GatewayTrust.SecretSetting);
    }

    [Fact]
    public async Task A_service_in_testing_without_a_secret_accepts_direct_calls_and_serves_its_openapi_document()
    {
        var (app, client) = await StartServiceAsync("Testing", null);
        await using var _ = app;
        using var __ = client;

        (await client.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetStringAsync("/openapi/v1.json")).ShouldContain("/api/v1/registry/items");
    }
}
