using Ppid.Gateway.Access;

namespace Ppid.Gateway;

/// <summary>The gateway's settings (section <c>Gateway</c>); defaults in appsettings.json, explained in README.md.</summary>
public sealed class GatewayOptions
{
    /// <summary>Sent to the services in <c>X-Ppid-Gateway</c>; equal to their <c>Platform:GatewaySecret</c>. Required in Production.</summary>
    public string? Secret { get; set; }

    /// <summary>How long a service may take, once it has the whole request, to answer with its headers before the caller gets a 504.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);

    public HealthSettings Health { get; set; } = new();
    public LimitSettings Limits { get; set; } = new();
    public RateLimitSettings RateLimit { get; set; } = new();
    public RateLimitSettings AnonymousRateLimit { get; set; } = new();

    /// <summary>Origins allowed by CORS; none configured means no cross-origin access.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>Which scope each method + path needs; the first matching rule decides (see README.md).</summary>
    public List<RouteRule> Routes { get; set; } = [];

    /// <summary>How long a rotated key stays valid beside its successor, unless the rotation names its own.</summary>
    public TimeSpan KeyRotationGrace { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long this process reuses the key store's answer for a presented key (0 = ask the database
    /// every time). A revocation through another gateway instance or the command-line tool takes up to this long here.
    /// </summary>
    public TimeSpan KeyCache { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>At most this many keys' answers are cached (refusals are dropped first when it is full).</summary>
    public int KeyCacheEntries { get; set; } = 10_000;

    /// <summary>How long the merged OpenAPI document is reused before the services are asked again.</summary>
    public TimeSpan OpenApiCache { get; set; } = TimeSpan.FromSeconds(60);

    public sealed class HealthSettings
    {
        public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);
        public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>Probes in a row without an answer in time that take an instance out (a slow answer on a busy machine is no verdict).</summary>
        public int TimeoutsToLeave { get; set; } = 2;

        /// <summary>How long a connection failure keeps an instance out of rotation (unless a probe passes first).</summary>
        public TimeSpan DownFor { get; set; } = TimeSpan.FromSeconds(30);
    }

    public sealed class LimitSettings
    {
        public long MaxBodyBytes { get; set; } = 1024 * 1024;

        /// <summary>Larger limits for upload paths: path prefix → bytes (e.g. /api/v1/registry/imports).</summary>
        public Dictionary<string, long> Uploads { get; set; } = [];

        /// <summary>A <c>limit</c> query parameter above this is refused with a 400.</summary>
        public int MaxPageSize { get; set; } = 500;
    }

    /// <summary>A token bucket: a burst of <see cref="TokenLimit"/>, refilled by <see cref="TokensPerPeriod"/> every <see cref="ReplenishmentPeriod"/>.</summary>
    public sealed class RateLimitSettings
    {
        public int TokenLimit { get; set; } = 100;
        public int TokensPerPeriod { get; set; } = 50;
        public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);
    }
}
