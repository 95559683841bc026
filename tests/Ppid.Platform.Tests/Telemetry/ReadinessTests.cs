using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Hosting;
using Ppid.Testing;

namespace Ppid.Platform.Tests.Telemetry;

/// <summary>A service's readiness includes the forwarder's lag, with the threshold from configuration.</summary>
public sealed class ReadinessTests : IAsyncLifetime
{
    private readonly EventStoreDatabase _db = new();
    private RabbitVhost _vhost = null!;

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        _vhost = await RabbitVhost.CreateAsync("ppid_ready");
        // Recorded ten minutes ago; the service below is built but never started, so no forwarder sends it.
        var stream = $"account-{Guid.NewGuid():N}";
        await _db.Store(new EarlierClock(TimeSpan.FromMinutes(10)))
            .AppendAsync(stream, "test.account", ExpectedVersion.Any, [new(new MoneyDeposited(stream, 1))], Meta.For());
    }

    public async Task DisposeAsync()
    {
        await _vhost.DisposeAsync();
        await _db.DisposeAsync();
    }

    private async Task<HealthReportEntry> ForwarderLagEntryAsync(string? threshold)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["ConnectionStrings:Postgres"] = _db.Database.ConnectionString;
        builder.Configuration["ConnectionStrings:RabbitMq"] = _vhost.Uri.ToString();
        if (threshold is not null) builder.Configuration["Platform:ForwarderLagThreshold"] = threshold;
        builder.AddPpidPlatform(new PlatformOptions { ServiceName = "ready" });
        await using var app = builder.Build();
        var report = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Tags.Contains(ServiceDefaults.ReadyTag));
        return report.Entries["forwarder-lag"];
    }

    [Fact]
    public async Task Not_ready_while_an_event_waits_longer_than_the_default_threshold_to_be_forwarded()
    {
        var entry = await ForwarderLagEntryAsync(threshold: null);
        entry.Status.ShouldBe(HealthStatus.Unhealthy);
        entry.Description!.ShouldContain("1 event(s) not forwarded");
        entry.Description!.ShouldContain("threshold 60 s");
    }

    [Fact]
    public async Task The_threshold_is_configurable()
    {
        var entry = await ForwarderLagEntryAsync(threshold: "00:30:00");
        entry.Status.ShouldBe(HealthStatus.Healthy, entry.Description);
    }
}
