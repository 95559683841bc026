using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;

namespace Ppid.Testing;

/// <summary>
/// A service's own <c>Program</c> booted in-process against a fresh database and vhost of the
/// real PostgreSQL and RabbitMQ. Derive a fixture per state (ApiWithRegisteredItem ...).
/// </summary>
public class ServiceFixture<TProgram> : WebApplicationFactory<TProgram>, IAsyncLifetime where TProgram : class
{
    public PostgresDatabase Database { get; private set; } = null!;
    public RabbitVhost Vhost { get; private set; } = null!;

    protected virtual string Name => typeof(TProgram).Assembly.GetName().Name!.Replace("Ppid.", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>Where the database and vhost are made: the shared infrastructure, or (overridden) private servers a fault test breaks.</summary>
    protected virtual Infrastructure Infrastructure => Infrastructure.Shared;

    public virtual async Task InitializeAsync()
    {
        Database = await PostgresDatabase.CreateAsync($"ppid_{Name}", Infrastructure);
        Vhost = await RabbitVhost.CreateAsync($"ppid_{Name}", Infrastructure);
        using var client = CreateClient(); // boots: migrations run, the bus connects
        await WaitUntilReadyAsync(client, TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits for /health/ready like a load balancer would; fails with the last answer.</summary>
    public async Task WaitUntilReadyAsync(HttpClient client, TimeSpan timeout)
    {
        var last = "";
        if (await Poll.UntilAsync(async () =>
            {
                using var response = await client.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode) return true;
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                return false;
            }, timeout, TimeSpan.FromMilliseconds(200))) return;
        throw new TimeoutException($"Not ready after {timeout}: {last}");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Postgres", Database.ConnectionString);
        builder.UseSetting("ConnectionStrings:RabbitMq", Vhost.Uri.ToString());
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Vhost.DisposeAsync();
        await Database.DisposeAsync();
        await DisposeInfrastructureAsync();
    }

    /// <summary>Runs last, after the database and vhost are gone: a fixture on private servers stops them here.</summary>
    protected virtual Task DisposeInfrastructureAsync() => Task.CompletedTask;
}
