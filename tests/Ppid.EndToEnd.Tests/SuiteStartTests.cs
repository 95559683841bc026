using System.Net;
using Ppid.Testing;
using Xunit;

namespace Ppid.EndToEnd.Tests;

/// <summary>The suite starts from its builds as in production, and the gateway sees every service.</summary>
public sealed class SuiteStartTests(Suite suite) : IClassFixture<Suite>
{
    [Fact]
    public async Task The_gateway_is_ready_only_because_every_service_answers()
    {
        using var client = suite.Client();
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var body = await ready.Content.ReadAsStringAsync();
        Assert.True(ready.StatusCode == HttpStatusCode.OK, $"gateway not ready: {body}");
        foreach (var name in Suite.Backends) Assert.False(suite.Processes[name].HasExited, $"{name} exited");
    }
}
