using System.Globalization;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Net.Http.Headers;
using Ppid.Platform.EventSourcing;

namespace Ppid.Publication.Site;

/// <summary>
/// Output caching and conditional GET for the public website. A page's cache key includes the
/// tenant's site version (one cheap lookup), so a cached page is never served after the site
/// changed, on any instance; the per-tenant tag is evicted on this instance when it publishes.
/// ETag = the site version; 304 when If-None-Match matches.
/// </summary>
public sealed class SiteCache : IOutputCachePolicy
{
    public const string PolicyName = "dip";
    private const string StateKey = "ppid.site-state";

    public static string Tag(string tenant) => "dip:" + tenant;

    public static string ETag(SiteState.State state) => $"\"site-{state.Version.ToString(CultureInfo.InvariantCulture)}\"";

    public static async Task<SiteState.State?> StateAsync(HttpContext http, string tenant)
    {
        if (http.Items.TryGetValue(StateKey, out var known)) return (SiteState.State?)known;
        var store = http.RequestServices.GetRequiredService<EventStore>();
        var state = await SiteState.GetAsync(store.DataSource, tenant, http.RequestAborted);
        http.Items[StateKey] = state;
        return state;
    }

    async ValueTask IOutputCachePolicy.CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var http = context.HttpContext;
        var tenant = http.GetRouteValue("tenant") as string;
        if (tenant is null || !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)) return;
        var state = await StateAsync(http, tenant);
        if (state is null) return; // unknown tenant: the 404 is not cached
        context.EnableOutputCaching = true;
        context.AllowCacheLookup = true;
        context.AllowCacheStorage = true;
        context.AllowLocking = true;
        context.ResponseExpirationTimeSpan = TimeSpan.FromMinutes(10);
        context.CacheVaryByRules.QueryKeys = "*";
        context.CacheVaryByRules.VaryByValues["site"] = state.Version.ToString(CultureInfo.InvariantCulture);
        context.Tags.Add(Tag(tenant));
    }

    ValueTask IOutputCachePolicy.ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;

    ValueTask IOutputCachePolicy.ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        if (context.HttpContext.Response.StatusCode != StatusCodes.Status200OK) context.AllowCacheStorage = false;
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Endpoint filter of every public page: 404 for a tenant publication never heard of, 304 when
    /// the client's copy is current, otherwise ETag, Last-Modified and Cache-Control on the answer.
    /// </summary>
    public static async ValueTask<object?> ConditionalAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var tenant = (string)http.GetRouteValue("tenant")!;
        var state = await StateAsync(http, tenant);
        if (state is null) return Pages.NotFound(tenant, "Badan publik tidak ditemukan", "Tidak ada badan publik dengan alamat ini.");
        var etag = ETag(state);
        var headers = http.Response.Headers;
        headers.ETag = etag;
        headers.LastModified = state.ChangedAt.ToString("R", CultureInfo.InvariantCulture);
        headers.CacheControl = "public, no-cache";
        var ifNoneMatch = http.Request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0)
        {
            if (ifNoneMatch.Trim() == "*" || EntityTagHeaderValue.ParseList(ifNoneMatch.Split(',')).Any(t => t.Tag == etag))
                return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        else if (DateTimeOffset.TryParse(http.Request.Headers.IfModifiedSince.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since)
                 && state.ChangedAt.AddTicks(-(state.ChangedAt.Ticks % TimeSpan.TicksPerSecond)) <= since)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        return await next(context);
    }
}
