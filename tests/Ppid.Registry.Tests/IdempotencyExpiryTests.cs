using System.Net;
using Ppid.Platform.Http;

namespace Ppid.Registry.Tests;

/// <summary>Remembered Idempotency-Key answers expire after <see cref="Commands.KeyLifetime"/> (the test ages a stored answer in the database).</summary>
public sealed class IdempotencyExpiryTests(ApiWithReferenceData api) : IClassFixture<ApiWithReferenceData>
{
    private async Task AgeAsync(string key, TimeSpan by) =>
        (await api.CountAsync($"with aged as (update idempotency set created_at = created_at - interval '{(int)by.TotalMinutes} minutes' where key = '{key}' returning 1) select count(*) from aged")).ShouldBe(1);

    [Fact]
    public async Task After_the_lifetime_a_key_is_new_again_and_answers_its_new_request()
    {
        using var client = api.Client();
        using (var first = await client.SendAsync(HttpMethod.Post, Api.Items, Api.Item(title: "Expiry first"), idempotencyKey: "expiring-1"))
            first.StatusCode.ShouldBe(HttpStatusCode.Created);
        await AgeAsync("expiring-1", Commands.KeyLifetime + TimeSpan.FromMinutes(1));

        using var reused = await client.SendAsync(HttpMethod.Post, Api.Items, Api.Item(title: "Expiry second"), idempotencyKey: "expiring-1");
        reused.StatusCode.ShouldBe(HttpStatusCode.Created, await reused.Content.ReadAsStringAsync()); // not 422: the old answer expired
        reused.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();

        using var replay = await client.SendAsync(HttpMethod.Post, Api.Items, Api.Item(title: "Expiry second"), idempotencyKey: "expiring-1");
        replay.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await replay.Content.ReadAsStringAsync()).ShouldBe(await reused.Content.ReadAsStringAsync());
        (await api.CountAsync("select count(*) from items where title like 'Expiry %'")).ShouldBe(2);
    }

    [Fact]
    public async Task Within_the_lifetime_the_answer_is_replayed_and_the_cleanup_deletes_only_expired_answers()
    {
        using var client = api.Client();
        using (var live = await client.SendAsync(HttpMethod.Post, Api.Items, Api.Item(title: "Cleanup live"), idempotencyKey: "cleanup-live"))
            live.StatusCode.ShouldBe(HttpStatusCode.Created);
        using (var old = await client.SendAsync(HttpMethod.Post, Api.Items, Api.Item(title: "Cleanup old"), idempotencyKey: "cleanup-old"))
            old.StatusCode.ShouldBe(HttpStatusCode.Created);
        await AgeAsync("cleanup-live", Commands.KeyLifetime - TimeSpan.FromMinutes(5));
        await AgeAsync("cleanup-old", Commands.KeyLifetime + TimeSpan.FromMinutes(5));

        using (var replay = await client.SendAsync(HttpMethod.Post, Api.Items, Api.Item(title: "Cleanup live"), idempotencyKey: "cleanup-live"))
            replay.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);

        (await IdempotencyCleanup.PurgeExpiredAsync(api.Database.DataSource, CancellationToken.None)).ShouldBeGreaterThanOrEqualTo(1);
        (await api.CountAsync("select count(*) from idempotency where key = 'cleanup-old'")).ShouldBe(0);
        (await api.CountAsync("select count(*) from idempotency where key = 'cleanup-live'")).ShouldBe(1);
    }
}
