using System.Net;
using System.Text.Json.Nodes;

namespace Ppid.Registry.Tests;

public sealed class IdempotencyTests(ApiWithReferenceData api) : IClassFixture<ApiWithReferenceData>
{
    [Fact]
    public async Task The_same_key_and_body_twice_answer_the_first_result_and_register_one_item()
    {
        using var client = api.Client();
        var before = await api.CountAsync("select count(*) from items");
        using var first = await client.SendAsync(HttpMethod.Post, Api.Items, Api.Item(), idempotencyKey: "register-1");
        first.StatusCode.ShouldBe(HttpStatusCode.Created, await first.Content.ReadAsStringAsync());
        var firstBody = await first.Content.ReadAsStringAsync();

        using var second = await client.SendAsync(HttpMethod.Post, Api.Items, Api.Item(), idempotencyKey: "register-1");
        second.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await second.Content.ReadAsStringAsync()).ShouldBe(firstBody);
        second.Headers.Location.ShouldBe(first.Headers.Location);
        second.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);

        (await api.CountAsync("select count(*) from items")).ShouldBe(before + 1);
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_a_422_and_creates_nothing()
    {
        using var client = api.Client();
        using (var first = await client.SendAsync(HttpMethod.Post, Api.Items, Api.Item(), idempotencyKey: "register-2"))
            first.StatusCode.ShouldBe(HttpStatusCode.Created);
        var events = await api.EventCountAsync();

        using var other = await client.SendAsync(HttpMethod.Post, Api.Items, Api.Item(title: "Another item"), idempotencyKey: "register-2");
        other.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        other.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await api.EventCountAsync()).ShouldBe(events);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("   ")]
    public async Task An_empty_key_is_a_400_and_registers_nothing(string key)
    {
        // The header arrives present but empty (the server trims the blanks); HttpClient drops a header whose value is "".
        using var client = api.Client();
        var events = await api.EventCountAsync();

        using var response = await client.SendAsync(HttpMethod.Post, Api.Items, Api.Item(), idempotencyKey: key);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
        (await response.Content.ReadAsStringAsync()).ShouldContain("Idempotency-Key");
        (await api.EventCountAsync()).ShouldBe(events);
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_register_one_item()
    {
        using var client = api.Client();
        var before = await api.CountAsync("select count(*) from items");
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            client.SendAsync(HttpMethod.Post, Api.Items, Api.Item(title: "Concurrent"), idempotencyKey: "register-concurrent")));
        try
        {
            responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Created);
            responses.Select(r => r.Headers.Location!.ToString()).Distinct().Count().ShouldBe(1);
            (await api.CountAsync("select count(*) from items")).ShouldBe(before + 1);
        }
        finally
        {
            foreach (var r in responses) r.Dispose();
        }
    }

    [Fact]
    public async Task Repeating_a_withdrawal_with_its_key_answers_the_first_result_instead_of_a_conflict()
    {
        using var client = api.Client();
        var id = await client.RegisterAsync();
        var body = new JsonObject { ["reason"] = "Tidak lagi dikuasai" };
        using var first = await client.SendAsync(HttpMethod.Post, $"{Api.Items}/{id}/withdraw", body, idempotencyKey: $"withdraw-{id}");
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var second = await client.SendAsync(HttpMethod.Post, $"{Api.Items}/{id}/withdraw", body, idempotencyKey: $"withdraw-{id}");
        second.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await second.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        (await api.CountAsync($"select count(*) from events where stream_id = 'item-{id}'")).ShouldBe(2);

        using var withoutKey = await client.SendAsync(HttpMethod.Post, $"{Api.Items}/{id}/withdraw", body);
        withoutKey.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_refused_request_is_not_remembered_so_its_key_can_be_retried_once_corrected()
    {
        using var client = api.Client();
        var invalid = Api.Item();
        invalid.Remove("title");
        using (var refused = await client.SendAsync(HttpMethod.Post, Api.Items, invalid, idempotencyKey: "register-3"))
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var corrected = await client.SendAsync(HttpMethod.Post, Api.Items, Api.Item(), idempotencyKey: "register-3");
        corrected.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Keys_belong_to_a_tenant()
    {
        using var a = api.Client("tenant-a");
        using var b = api.Client("tenant-b");
        using var first = await a.SendAsync(HttpMethod.Post, Api.Items, Api.Item(), idempotencyKey: "shared-key");
        using var second = await b.SendAsync(HttpMethod.Post, Api.Items, Api.Item(), idempotencyKey: "shared-key");
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        second.StatusCode.ShouldBe(HttpStatusCode.Created);
        second.Headers.Location.ShouldNotBe(first.Headers.Location);
    }
}
