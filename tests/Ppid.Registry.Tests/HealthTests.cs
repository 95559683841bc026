using System.Net;
using Ppid.Testing;

namespace Ppid.Registry.Tests;

public sealed class RegistryApi : ServiceFixture<Program>;

public sealed class HealthTests(RegistryApi api) : ServiceHealthTests<Program>(api, "/api/v1/registry"), IClassFixture<RegistryApi>;

public sealed class ReadinessTests
{
    [Fact]
    public async Task The_service_is_not_ready_while_a_migration_it_knows_is_not_applied()
    {
        var api = new RegistryApi();
        await ((IAsyncLifetime)api).InitializeAsync();
        try
        {
            using var client = api.CreateClient();
            (await client.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);

            await using (var cmd = api.Database.DataSource.CreateCommand("delete from schema_migrations where name = '0002_inbox_parked.sql'"))
                await cmd.ExecuteNonQueryAsync();
            using var notReady = await client.GetAsync("/health/ready");
            notReady.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            (await notReady.Content.ReadAsStringAsync()).ShouldContain("0002_inbox_parked.sql");
            (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
        }
    }
}

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public void A_consumer_concurrency_below_one_stops_the_service_at_start_naming_the_setting(string value)
    {
        using var factory = new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("ConnectionStrings:Postgres", "Host=127.0.0.1;Database=never_opened");
            b.UseSetting("ConnectionStrings:RabbitMq", "amqp://nobody@127.0.0.1:1/");
            b.UseSetting("Platform:ConsumerConcurrency", value);
        });
        var refused = Should.Throw<InvalidOperationException>(() => factory.CreateClient());
        refused.Message.ShouldContain("Platform:ConsumerConcurrency must be at least 1");
        refused.Message.ShouldContain(value);
    }
}
