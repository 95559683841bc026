using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Ppid.Testing;

namespace Ppid.Registry.Tests;

/// <summary>
/// The registry on a private PostgreSQL server and a private RabbitMQ node, which the tests stop,
/// start and freeze (the shared servers every other test uses are never touched).
/// </summary>
public sealed class ApiOnPrivateServers : ApiWithReferenceData
{
    public PrivatePostgres Postgres { get; private set; } = null!;
    public PrivateRabbitMq RabbitMq { get; private set; } = null!;

    protected override Infrastructure Infrastructure => Infrastructure.Private(Postgres, RabbitMq);

    public override async Task InitializeAsync()
    {
        Postgres = await PrivatePostgres.StartAsync();
        RabbitMq = await PrivateRabbitMq.StartAsync();
        await base.InitializeAsync();
    }

    protected override async Task DisposeInfrastructureAsync()
    {
        await RabbitMq.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

public sealed class InfrastructureFaultTests(ApiOnPrivateServers api) : IClassFixture<ApiOnPrivateServers>
{
    [Fact]
    public async Task While_the_database_is_down_requests_answer_503_and_change_nothing_and_afterwards_the_command_is_applied_once()
    {
        using var client = api.Client();
        var existing = await client.RegisterAsync();
        var (items, events) = (await api.CountAsync("select count(*) from items"), await api.EventCountAsync());
        var body = Api.Item(title: "Registered once across an outage");

        await api.Postgres.StopAsync();
        try
        {
            // A command: refused with problem details that say to come back, not a 500.
            using (var refused = await client.SendAsync(HttpMethod.Post, Api.Items, body, idempotencyKey: "outage-1"))
                await ShouldBeUnavailableAsync(refused);
            // A read.
            using (var read = await client.GetAsync($"{Api.Items}/{existing}"))
                await ShouldBeUnavailableAsync(read);
            // Readiness says why, promptly; liveness stays up (the process is fine).
            var asking = Stopwatch.StartNew();
            using (var ready = await client.GetAsync("/health/ready"))
            {
                ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
                var postgres = (await ready.BodyAsync()).GetProperty("checks").GetProperty("postgres");
                postgres.GetProperty("status").GetString().ShouldBe("Unhealthy");
                postgres.GetProperty("description").GetString().ShouldStartWith("PostgreSQL unreachable");
            }
            asking.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
            (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
            // Without its database the instance cannot answer requests: the gateway stops routing to it.
            (await client.GetAsync("/health/serving")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            await api.Postgres.StartAgainAsync();
        }

        // Nothing was stored by the refused command (the test's own pool forgets the old server's connections).
        api.Database.DataSource.Clear();
        (await api.CountAsync("select count(*) from items")).ShouldBe(items);
        (await api.EventCountAsync()).ShouldBe(events);

        // The client retries with the same key, as the 503 asks: it is applied exactly once.
        using var applied = await SendUntilAvailableAsync(() => client.SendAsync(HttpMethod.Post, Api.Items, body, idempotencyKey: "outage-1"));
        applied.StatusCode.ShouldBe(HttpStatusCode.Created, await applied.Content.ReadAsStringAsync());
        using var again = await client.SendAsync(HttpMethod.Post, Api.Items, body, idempotencyKey: "outage-1");
        again.StatusCode.ShouldBe(HttpStatusCode.Created);
        again.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        again.Headers.Location.ShouldBe(applied.Headers.Location);
        (await api.CountAsync("select count(*) from items")).ShouldBe(items + 1);
        (await api.CountAsync("select count(*) from idempotency where key = 'outage-1'")).ShouldBe(1);
        (await client.GetAsync($"{Api.Items}/{existing}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static async Task ShouldBeUnavailableAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        response.Headers.RetryAfter!.Delta!.Value.ShouldBeInRange(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        var problem = JsonDocument.Parse(text).RootElement;
        problem.GetProperty("status").GetInt32().ShouldBe(503);
        problem.GetProperty("type").GetString().ShouldBe("https://ppid.example/problems/service-unavailable");
        problem.GetProperty("detail").GetString()!.ShouldContain("Retry after");
    }

    /// <summary>
    /// Sends until the answer is not a 503, as a client honouring Retry-After would (faster, for the
    /// test): right after the restart, connections the pool kept from the old server fail once each.
    /// </summary>
    private static async Task<HttpResponseMessage> SendUntilAvailableAsync(Func<Task<HttpResponseMessage>> send)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await send();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 20) return response;
            response.Dispose();
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task While_the_broker_is_frozen_commands_are_still_accepted_it_still_serves_and_readiness_says_the_broker_is_unreachable_in_time()
    {
        using var client = api.Client();
        var items = await api.CountAsync("select count(*) from items");

        await api.RabbitMq.FreezeAsync();
        try
        {
            // The events table is the outbox: a command needs PostgreSQL only.
            await client.RegisterAsync(Api.Item(title: "Registered while the broker was frozen"));

            // The broker takes the TCP connection and never answers: the check's deadline answers instead.
            var asking = Stopwatch.StartNew();
            using var ready = await client.GetAsync("/health/ready");
            asking.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(15));
            ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            var checks = (await ready.BodyAsync()).GetProperty("checks");
            checks.GetProperty("rabbitmq").GetProperty("status").GetString().ShouldBe("Unhealthy");
            checks.GetProperty("postgres").GetProperty("status").GetString().ShouldBe("Healthy");
            // It still serves requests, so the gateway keeps routing to it.
            using var serving = await client.GetAsync("/health/serving");
            serving.StatusCode.ShouldBe(HttpStatusCode.OK, await serving.Content.ReadAsStringAsync());
        }
        finally
        {
            await api.RabbitMq.ThawAsync();
        }

        (await api.CountAsync("select count(*) from items")).ShouldBe(items + 1);
        await api.WaitUntilReadyAsync(client, TimeSpan.FromSeconds(60));
    }
}
