using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;

namespace Ppid.Gateway.Access;

/// <summary>What the gateway does to every request at the edge, before routing decides anything.</summary>
public static partial class EdgeMiddleware
{
    public const string CorrelationHeader = "X-Correlation-Id";

    /// <summary>
    /// A correlation id on every response: the caller's own when it is a plain token, else a new one.
    /// It goes on to the services (their event metadata records it).
    /// </summary>
    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var offered = context.Request.Headers[CorrelationHeader].ToString();
        var id = offered.Length is > 0 and <= 100 && PlainToken().IsMatch(offered) ? offered
            : Activity.Current?.TraceId.ToString() ?? Guid.NewGuid().ToString("N");
        context.Request.Headers[CorrelationHeader] = id;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[CorrelationHeader] = id;
            return Task.CompletedTask;
        });
        return next(context);
    });

    /// <summary>
    /// nosniff and no framing on everything; a restrictive CSP on HTML that brings none of its own
    /// (the public website may send a stricter one). HSTS is added by UseHsts outside Development.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            if (headers.ContentSecurityPolicy.Count == 0 && (context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) ?? false))
                headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
            return Task.CompletedTask;
        });
        return next(context);
    });

    /// <summary>
    /// The gateway only ever forwards origin-form targets (<c>/path?query</c>): an absolute-form target
    /// (<c>GET http://evil/ HTTP/1.1</c>), empty segments (<c>//evil.example</c>), dot segments or
    /// backslashes are refused with a 400 rather than interpreted.
    /// </summary>
    public static IApplicationBuilder UseRequestTargetGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        if (!IsPlainPath(raw.AsSpan(0, raw.IndexOf('?', StringComparison.Ordinal) is >= 0 and var query ? query : raw.Length)))
        {
            await GatewayProblems.WriteAsync(context, StatusCodes.Status400BadRequest, "The request target is not accepted",
                "Only a plain path (no scheme or host, no empty, dot or backslash segments) may be requested.", "bad-request-target");
            return;
        }
        await next(context);
    });

    /// <summary>Starts with '/' and, percent-decoded, has no empty, '.' or '..' segment, no backslash and no control character.</summary>
    internal static bool IsPlainPath(ReadOnlySpan<char> path)
    {
        if (path.IsEmpty || path[0] != '/') return false;
        var decoded = path.Contains('%') ? Uri.UnescapeDataString(path).AsSpan() : path;
        if (decoded.Contains("//", StringComparison.Ordinal) || decoded.Contains('\\')) return false;
        foreach (var segment in decoded.Split('/'))
            if (decoded[segment] is "." or "..") return false;
        foreach (var c in decoded)
            if (char.IsControl(c)) return false;
        return true;
    }

    /// <summary>
    /// Body size: the larger limit of the longest matching upload prefix, else the default; a declared
    /// length over it is refused at once, a chunked body when it crosses it. A <c>limit</c> above the
    /// page-size cap is refused (not clamped, so the caller never mistakes a short page for the end).
    /// </summary>
    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app, GatewayOptions options)
    {
        var uploads = options.Limits.Uploads.OrderByDescending(u => u.Key.Length).Select(u => (Prefix: new PathString(u.Key), Max: u.Value)).ToArray();
        return app.Use(async (context, next) =>
        {
            var max = options.Limits.MaxBodyBytes;
            foreach (var upload in uploads)
            {
                if (!context.Request.Path.StartsWithSegments(upload.Prefix)) continue;
                max = upload.Max;
                break;
            }
            if (context.Request.ContentLength > max)
            {
                await GatewayProblems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "The request body is too large",
                    $"This path accepts at most {max} bytes.", "body-too-large");
                return;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature) sizeFeature.MaxRequestBodySize = max;

            var limit = context.Request.QueryString.HasValue ? context.Request.Query["limit"].ToString() : "";
            if (limit.Length > 0 && (!int.TryParse(limit, out var pageSize) || pageSize < 1 || pageSize > options.Limits.MaxPageSize))
            {
                await GatewayProblems.WriteInvalidAsync(context, "limit", $"The page size must be a whole number from 1 to {options.Limits.MaxPageSize}.");
                return;
            }
            await next(context);
        });
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]+$")]
    private static partial Regex PlainToken();
}
