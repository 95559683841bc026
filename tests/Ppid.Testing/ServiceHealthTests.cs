using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ppid.Platform.Http;
using Shouldly;
using Xunit;

namespace Ppid.Testing;

/// <summary>What every service must do from its first boot: migrate, reach its infrastructure, answer health and problem details.</summary>
public abstract class ServiceHealthTests<TProgram>(ServiceFixture<TProgram> api, string apiPrefix) where TProgram : class
{
    [Fact]
    public async Task The_service_is_live_and_ready_with_its_database_migrated_and_the_broker_reached()
    {
        using var client = api.CreateClient();
        (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var ready = await client.GetAsync("/health/ready");
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        ready.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToString());
        var checks = body.GetProperty("checks");
        checks.GetProperty("postgres").GetProperty("status").GetString().ShouldBe("Healthy");
        checks.GetProperty("rabbitmq").GetProperty("status").GetString().ShouldBe("Healthy");

        await using var cmd = api.Database.DataSource.CreateCommand("select count(*) from schema_migrations where source = 'event-store'");
        ((long)(await cmd.ExecuteScalarAsync())!).ShouldBeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task An_unknown_route_answers_problem_details()
    {
        using var client = api.CreateClient();
        using var response = await client.GetAsync($"{apiPrefix}/no-such-thing");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Expired_idempotency_answers_are_cleaned_up_by_the_platform()
    {
        using var client = api.CreateClient();
        (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK); // started and migrated

        api.Services.GetServices<IHostedService>().OfType<IdempotencyCleanup>().ShouldHaveSingleItem();
        await using var cmd = api.Database.DataSource.CreateCommand(
            "select count(*) from pg_indexes where tablename = 'idempotency' and indexname = 'idempotency_created_at'");
        ((long)(await cmd.ExecuteScalarAsync())!).ShouldBe(1);
    }
}
