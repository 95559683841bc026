using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Ppid.Gateway.Access;
using Ppid.Gateway.Docs;
using Ppid.Gateway.Forwarding;
using Ppid.Gateway.Keys;
using Ppid.Platform.Database;
using Ppid.Platform.Hosting;

namespace Ppid.Gateway;

/// <summary>The gateway's wiring: services and their instances, API keys, the route table, limits, the merged API document.</summary>
public static class GatewayModule
{
    public const string CorsPolicy = "clients";

    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Gateway").Get<GatewayOptions>() ?? new GatewayOptions();
        if (string.IsNullOrEmpty(options.Secret) && builder.Environment.IsProduction())
            throw new InvalidOperationException("Gateway:Secret is not configured: in Production the services accept only calls that carry it (their Platform:GatewaySecret).");
        var directory = ServiceDirectory.FromConfiguration(builder.Configuration);
        var routes = new RouteTable(options.Routes);
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(directory);
        services.AddSingleton(routes);
        services.TryAddSingleton(TimeProvider.System);

        var dataSource = PpidDataSource.Create(builder.Configuration.GetRequiredConnectionString("Postgres"));
        services.AddSingleton(dataSource);
        services.AddSingleton(new ApiKeyCache(options.KeyCache, options.KeyCacheEntries));
        services.AddSingleton(sp => new ApiKeyStore(dataSource, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ApiKeyCache>()));
        services.AddHostedService<KeyStoreMigration>();

        services.AddHttpClient(HealthProber.ClientName);
        services.AddHttpClient(MergedOpenApi.ClientName, c =>
        {
            if (!string.IsNullOrEmpty(options.Secret)) c.DefaultRequestHeaders.Add(Platform.Http.GatewayTrust.Header, options.Secret);
        });
        services.AddSingleton<IForwarder, HttpForwarder>();
        services.AddHostedService<HealthProber>();
        services.AddSingleton<MergedOpenApi>();

        // Ready = the gateway's own database is reachable and migrated. A service without a live instance is
        // reported Degraded (still 200): one service's outage must not take the whole API off the load balancer;
        // its requests get a 503 with Retry-After instead.
        var checks = services.AddHealthChecks();
        checks.Add(new HealthCheckRegistration("database", sp => new KeyStoreCheck(dataSource), HealthStatus.Unhealthy, [ServiceDefaults.ReadyTag]));
        foreach (var pool in directory.Pools)
            checks.Add(new HealthCheckRegistration(pool.Name, sp => new ServiceAvailableCheck(pool, sp.GetRequiredService<TimeProvider>()), HealthStatus.Degraded, [ServiceDefaults.ReadyTag]));

        services.AddCors(c => c.AddPolicy(CorsPolicy, p => p.WithOrigins(options.CorsOrigins)
            .WithMethods("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
            .WithHeaders("Authorization", "X-Api-Key", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key", "X-Actor-Id", "X-Actor-Role", EdgeMiddleware.CorrelationHeader)
            .WithExposedHeaders("ETag", "Location", "Retry-After", EdgeMiddleware.CorrelationHeader)));

        services.AddRateLimiter(r =>
        {
            var (perKey, perAddress) = (TokenBucket(options.RateLimit), TokenBucket(options.AnonymousRateLimit));
            r.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, LimitPartition>(context =>
                context.Features.CallerOrNull() is { } caller ? RateLimitPartition.Get(new LimitPartition(caller.Key.Id, null, Unlimited: false), perKey)
                : context.Request.Path.StartsWithSegments("/health") ? RateLimitPartition.GetNoLimiter(new LimitPartition(null, null, Unlimited: true))
                : RateLimitPartition.Get(new LimitPartition(null, context.Connection.RemoteIpAddress, Unlimited: false), perAddress));
            r.OnRejected = async (rejected, ct) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after
                    : rejected.HttpContext.Features.CallerOrNull() is null ? options.AnonymousRateLimit.ReplenishmentPeriod : options.RateLimit.ReplenishmentPeriod;
                rejected.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await GatewayProblems.WriteAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests",
                    "The key's rate limit is exhausted; retry after the time in Retry-After.", "rate-limited");
            };
        });
        return builder;
    }

    /// <summary>A bucket per key, or per address for callers without one (a value, so choosing it allocates nothing).</summary>
    private readonly record struct LimitPartition(Guid? Key, System.Net.IPAddress? Address, bool Unlimited);

    /// <summary>Makes a partition's bucket when the partition is first seen (one delegate per setting, not one per request).</summary>
    private static Func<LimitPartition, RateLimiter> TokenBucket(GatewayOptions.RateLimitSettings settings) => _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
    {
        TokenLimit = settings.TokenLimit,
        TokensPerPeriod = settings.TokensPerPeriod,
        ReplenishmentPeriod = settings.ReplenishmentPeriod,
        QueueLimit = 0,
        AutoReplenishment = false, // the partitioned limiter's one timer refills every bucket (as GetTokenBucketLimiter arranges)
    });

    /// <summary>The request pipeline, in order: edge headers, health, CORS, target guard, key access, rate limit, size limits, then the endpoints.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<GatewayOptions>();
        app.UseCorrelationId();
        app.UseSecurityHeaders();
        if (!app.Environment.IsDevelopment()) app.UseHsts(); // sent only on HTTPS requests
        app.MapServiceDefaults();
        app.UseCors(CorsPolicy);
        app.UseRequestTargetGuard();
        app.UseMiddleware<ApiKeyAccess>();
        app.UseRateLimiter();
        app.UseRequestLimits(options);
        app.MapKeysApi();
        app.MapApiDocs();
        app.MapForwarding();
        return app;
    }

    private sealed class ServiceAvailableCheck(ServicePool pool, TimeProvider clock) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var now = clock.GetUtcNow();
            var available = pool.Instances.Count(i => i.IsAvailable(now));
            return Task.FromResult(available > 0
                ? HealthCheckResult.Healthy($"{available} of {pool.Instances.Count} instances available")
                : new HealthCheckResult(context.Registration.FailureStatus,
                    $"no instance of {pool.Name} passes /health/serving ({string.Join(", ", pool.Instances.Select(i => i.BaseUrl))})"));
        }
    }

    private sealed class KeyStoreCheck(Npgsql.NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var pending = await Migrator.PendingAsync(dataSource, [ApiKeyStore.Migrations], cancellationToken);
                return pending.Count == 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy($"{pending.Count} migrations pending");
            }
            catch (Npgsql.NpgsqlException e)
            {
                return HealthCheckResult.Unhealthy($"database unreachable: {e.Message}");
            }
        }
    }
}
