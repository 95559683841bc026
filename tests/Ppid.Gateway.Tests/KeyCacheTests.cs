using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Ppid.Gateway.Keys;

namespace Ppid.Gateway.Tests;

/// <summary>The gateway keeps key answers for <c>Gateway:KeyCache</c> (5 s as shipped), except where that would be wrong.</summary>
public sealed class KeyCacheTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private TimeSpan Ttl => gateway.Services.GetRequiredService<GatewayOptions>().KeyCache;

    /// <summary>The same database through a store of its own, as another gateway instance or the command-line tool sees it.</summary>
    private ApiKeyStore ElsewhereStore => new(gateway.Database.DataSource, gateway.Clock);

    [Fact]
    public async Task A_cached_key_revoked_through_the_admin_api_is_refused_from_the_next_request()
    {
        var key = await gateway.KeyAsync("registry:write");
        using var client = gateway.Client(key.Secret);
        using var admin = gateway.Client((await gateway.KeyAsync("admin")).Secret);
        (await client.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await admin.DeleteAsync($"/api/v1/gateway/keys/{key.Key.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await client.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_cached_key_rotated_through_the_admin_api_without_grace_is_refused_from_the_next_request()
    {
        var key = await gateway.KeyAsync("registry:write");
        using var client = gateway.Client(key.Secret);
        using var admin = gateway.Client((await gateway.KeyAsync("admin")).Secret);
        (await client.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await admin.PostAsJsonAsync($"/api/v1/gateway/keys/{key.Key.Id}/rotate", new { graceSeconds = 0 })).StatusCode.ShouldBe(HttpStatusCode.Created);

        (await client.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_key_revoked_by_another_instance_is_refused_here_once_the_cache_time_has_passed()
    {
        var key = await gateway.KeyAsync("registry:write");
        using var client = gateway.Client(key.Secret);
        (await client.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await ElsewhereStore.RevokeAsync(key.Key.Id, GatewayFixture.Tenant)).ShouldBeTrue();

        // The deliberate trade (gateway/README.md): this instance learns of it within Gateway:KeyCache.
        await AcceptedForThenRefusedAsync(client, Ttl);
    }

    [Fact]
    public async Task A_rotated_key_in_the_cache_is_refused_exactly_when_its_grace_ends()
    {
        var key = await gateway.KeyAsync("registry:write");
        using var client = gateway.Client(key.Secret);
        var grace = Ttl / 2;
        (await ElsewhereStore.RotateAsync(key.Key.Id, GatewayFixture.Tenant, grace)).ShouldNotBeNull();
        // Read after the rotation, so cached only until the grace ends.
        await AcceptedForThenRefusedAsync(client, grace);
    }

    /// <summary>The key answers 200 now and until just before <paramref name="span"/> has passed on the gateway's clock, then 401.</summary>
    private async Task AcceptedForThenRefusedAsync(HttpClient client, TimeSpan span)
    {
        (await client.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);
        gateway.Clock.Advance(span - TimeSpan.FromMilliseconds(1));
        (await client.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);
        gateway.Clock.Advance(TimeSpan.FromMilliseconds(1));
        (await client.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_unknown_key_stays_refused_and_a_new_key_is_accepted_at_once()
    {
        using var unknown = gateway.Client("ppid_never-issued-" + Guid.NewGuid());
        (await unknown.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await unknown.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        using var fresh = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);
        (await fresh.GetAsync("/api/v1/registry/items")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

/// <summary><see cref="ApiKeyCache"/> by itself, without I/O.</summary>
public sealed class ApiKeyCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static ApiKey Key(DateTimeOffset? expiresAt = null) =>
        new(Guid.NewGuid(), "t", "sipd", ["registry:write"], "ppid_abcdefgh", Now.AddDays(-1), expiresAt, null, null);

    private static KeyHash RandomHash() => KeyHash.Of(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    [Fact]
    public void An_answer_is_kept_for_the_ttl_and_a_refusal_too()
    {
        var cache = new ApiKeyCache(TimeSpan.FromSeconds(5), 100);
        var (accepted, refused) = (RandomHash(), RandomHash());
        var key = Key();

        cache.Add(accepted, key, Now, cache.Generation);
        cache.Add(refused, null, Now, cache.Generation);

        cache.TryGet(accepted, Now.AddSeconds(4.9), out var hit).ShouldBeTrue();
        hit.ShouldBe(key);
        cache.TryGet(refused, Now.AddSeconds(4.9), out var refusal).ShouldBeTrue();
        refusal.ShouldBeNull();
        cache.TryGet(accepted, Now.AddSeconds(5), out _).ShouldBeFalse();
        cache.TryGet(refused, Now.AddSeconds(5), out _).ShouldBeFalse();
    }

    [Fact]
    public void An_entry_never_outlives_the_keys_own_expiry()
    {
        var cache = new ApiKeyCache(TimeSpan.FromSeconds(5), 100);
        var hash = RandomHash();

        cache.Add(hash, Key(expiresAt: Now.AddSeconds(2)), Now, cache.Generation);

        cache.TryGet(hash, Now.AddSeconds(1.999), out _).ShouldBeTrue();
        cache.TryGet(hash, Now.AddSeconds(2), out _).ShouldBeFalse();
    }

    [Fact]
    public void Evicting_a_key_forgets_it_and_a_lookup_that_raced_the_eviction_is_not_kept()
    {
        var cache = new ApiKeyCache(TimeSpan.FromSeconds(5), 100);
        var (hash, racing) = (RandomHash(), RandomHash());
        var key = Key();
        cache.Add(hash, key, Now, cache.Generation);
        var before = cache.Generation; // a lookup of the same key starts, then the key is revoked

        cache.Evict(key.Id);
        cache.Add(racing, key, Now, before); // ...and the lookup ends with what it read before the revocation

        cache.TryGet(hash, Now, out _).ShouldBeFalse();
        cache.TryGet(racing, Now, out _).ShouldBeFalse();
    }

    [Fact]
    public void A_flood_of_random_keys_cannot_grow_the_cache_past_its_capacity_nor_push_out_accepted_keys()
    {
        var cache = new ApiKeyCache(TimeSpan.FromSeconds(5), 100);
        var known = RandomHash();
        cache.Add(known, Key(), Now, cache.Generation);

        for (var i = 0; i < 10_000; i++)
        {
            cache.Add(RandomHash(), null, Now, cache.Generation);
            cache.Count.ShouldBeLessThanOrEqualTo(100);
        }

        cache.TryGet(known, Now, out var hit).ShouldBeTrue();
        hit.ShouldNotBeNull();
    }

    [Fact]
    public void A_ttl_of_zero_caches_nothing()
    {
        var cache = new ApiKeyCache(TimeSpan.Zero, 100);
        var hash = RandomHash();

        cache.Add(hash, Key(), Now, cache.Generation);

        cache.TryGet(hash, Now, out _).ShouldBeFalse();
        cache.Count.ShouldBe(0);
    }

    [Fact]
    public void The_hash_is_the_sha256_the_store_keeps()
    {
        KeyHash.Of("ppid_example").ToBytes().ShouldBe(SHA256.HashData("ppid_example"u8));
        KeyHash.Of(new string('k', 5000)).ToBytes().ShouldBe(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(new string('k', 5000))));
    }
}
