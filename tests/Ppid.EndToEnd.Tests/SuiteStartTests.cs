using System.Net;
using System.Text.Json;
using Ppid.Testing;
using Xunit;

namespace Ppid.EndToEnd.Tests;

/// <summary>The suite starts from its builds as in production, and the gateway sees every service.</summary>
public sealed class SuiteStartTests(Suite suite) : IClassFixture<Suite>
{
    [Fact]
    public async Task The_gateway_is_ready_and_sees_every_service_healthy()
    {
        using var client = suite.Client();
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var body = await ready.Content.ReadAsStringAsync();
        Assert.True(ready.StatusCode == HttpStatusCode.OK, $"gateway not ready: {body}");
        // Readiness needs only the gateway's database; each service's pool is a check of its own in the body (Degraded when down).
        var checks = JsonDocument.Parse(body).RootElement.GetProperty("checks");
        foreach (var name in Suite.Backends)
        {
            Assert.False(suite.Processes[name].HasExited, $"{name} exited");
            Assert.True(checks.GetProperty(name).GetProperty("status").GetString() == "Healthy", $"{name} is not healthy at the gateway: {body}");
        }
    }
}
