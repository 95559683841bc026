using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Ppid.Platform.Http;

namespace Ppid.Gateway.Forwarding;

/// <summary>
/// Forwards with HttpClient: the request body goes out as a <see cref="StreamingBody"/> over the
/// incoming body and the answer is read with <see cref="HttpCompletionOption.ResponseHeadersRead"/>
/// and copied as it arrives, so neither direction is buffered. The target is always a configured
/// base URL plus the request's path and query; the client follows no redirects.
/// </summary>
public sealed class HttpForwarder(IHttpClientFactory http, GatewayOptions options, TimeProvider clock, ILogger<HttpForwarder> logger) : IForwarder
{
    public const string ClientName = "forwarder";

    /// <summary>Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never forwarded.</summary>
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
        "Expect", // Kestrel already answered 100-continue to the caller
    };

    /// <summary>Headers the gateway owns: credentials stay at the gateway, identity and forwarding headers are set by it alone.</summary>
    private static readonly HashSet<string> GatewayOwned = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Authorization", "X-Api-Key", GatewayTrust.Header, "Forwarded", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
        RequestContext.TenantHeader, "X-Client-System", "X-Actor-Id", "X-Actor-Role",
        // The gateway's own HttpClient span propagates the trace (a child of the caller's, if it sent one);
        // copying the caller's header too would send two traceparents, which a service cannot parse.
        "traceparent", "tracestate", "Request-Id",
    };

    public async Task ForwardAsync(HttpContext context, ServicePool pool, ForwardedIdentity identity)
    {
        var aborted = context.RequestAborted;
        HttpResponseMessage? response = null;
        HttpRequestMessage? sent = null;
        try
        {
            foreach (var instance in pool.Candidates(clock.GetUtcNow()))
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                var request = BuildRequest(context, instance, identity, () => StartTimer(timeout, options.Timeout));
                if (request.Content is null) StartTimer(timeout, options.Timeout);
                try
                {
                    response = await http.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                    sent = request;
                    break;
                }
                catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
                {
                    // Nothing reached the instance, so another one may take the request.
                    request.Dispose();
                    instance.MarkDown(clock.GetUtcNow() + options.Health.DownFor);
                    logger.LogWarning("{Instance} refused the connection; out of rotation for {DownFor}", instance, options.Health.DownFor);
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    request.Dispose();
                    logger.LogWarning("{Instance} did not answer {Method} {Path} within {Timeout} of receiving it", instance, context.Request.Method, context.Request.Path, options.Timeout);
                    await GatewayProblems.WriteAsync(context, StatusCodes.Status504GatewayTimeout, "The service did not answer in time",
                        $"The {pool.Name} service did not answer within {options.Timeout.TotalSeconds:0.#} s.", "gateway-timeout");
                    return;
                }
                catch (HttpRequestException e)
                {
                    request.Dispose();
                    if (FindBodyTooLarge(e) is { } tooLarge)
                    {
                        await GatewayProblems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "The request body is too large", tooLarge.Message, "body-too-large");
                        return;
                    }
                    logger.LogWarning(e, "{Instance} failed {Method} {Path}", instance, context.Request.Method, context.Request.Path);
                    await GatewayProblems.WriteAsync(context, StatusCodes.Status502BadGateway, "The service failed to answer",
                        $"The {pool.Name} service failed to answer.", "bad-gateway");
                    return;
                }
            }
            if (response is null)
            {
                // Nothing reached any instance, so the request had no effect: the caller may retry when one can be back.
                var wait = pool.UnavailableFor(clock.GetUtcNow(), options.Health.Interval);
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await GatewayProblems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The service is unavailable",
                    $"No instance of the {pool.Name} service can be reached; retry after the time in Retry-After.", "service-unavailable");
                return;
            }
            await CopyResponseAsync(context, response, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The caller went away; nothing is left to answer.
        }
        catch (Exception e) when (e is IOException or HttpRequestException && context.Response.HasStarted)
        {
            // The service broke off after its headers went out: the caller must see a broken response, not a short one.
            logger.LogWarning(e, "{Service} broke off {Method} {Path} mid-answer", pool.Name, context.Request.Method, context.Request.Path);
            context.Abort();
        }
        finally
        {
            response?.Dispose();
            sent?.Dispose();
        }
    }

    /// <summary>The answer timer starts when the service has the whole request (a body may finish sending after an early answer).</summary>
    private static void StartTimer(CancellationTokenSource timeout, TimeSpan after)
    {
        try
        {
            timeout.CancelAfter(after);
        }
        catch (ObjectDisposedException)
        {
            // The answer came before the body was fully sent; nothing left to time.
        }
    }

    private static HttpRequestMessage BuildRequest(HttpContext context, ServiceInstance instance, ForwardedIdentity identity, Action bodySent)
    {
        var incoming = context.Request;
        var request = new HttpRequestMessage(new HttpMethod(incoming.Method), TargetUri(instance.BaseUrl, incoming))
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? incoming.ContentLength > 0)
            request.Content = new StreamingBody(incoming.Body, bodySent);

        var connectionListed = ConnectionListed(incoming.Headers.Connection);
        foreach (var (name, values) in incoming.Headers)
        {
            if (HopByHop.Contains(name) || GatewayOwned.Contains(name) || connectionListed.Contains(name)) continue;
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            else
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }

        request.Headers.TryAddWithoutValidation("X-Forwarded-For", context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", incoming.Scheme);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", incoming.Host.Value ?? "");
        SetIfPresent(request, RequestContext.TenantHeader, identity.Tenant);
        SetIfPresent(request, "X-Client-System", identity.ClientSystem);
        SetIfPresent(request, "X-Actor-Id", identity.ActorId);
        SetIfPresent(request, "X-Actor-Role", identity.ActorRole);
        return request;
    }

    /// <summary>
    /// The configured base URL with the request's own path and query appended, never a URL the caller
    /// supplied; checked again after composition so that no path can change the authority.
    /// </summary>
    internal static Uri TargetUri(Uri baseUrl, HttpRequest incoming)
    {
        var target = new Uri(baseUrl.GetLeftPart(UriPartial.Authority) + baseUrl.AbsolutePath.TrimEnd('/')
                             + incoming.Path.ToUriComponent() + incoming.QueryString.ToUriComponent(), UriKind.Absolute);
        if (!string.Equals(target.Authority, baseUrl.Authority, StringComparison.OrdinalIgnoreCase) || target.Scheme != baseUrl.Scheme)
            throw new InvalidOperationException($"The request target would leave {baseUrl}.");
        return target;
    }

    private static async Task CopyResponseAsync(HttpContext context, HttpResponseMessage response, CancellationToken aborted)
    {
        var outgoing = context.Response;
        outgoing.StatusCode = (int)response.StatusCode;
        var connectionListed = ConnectionListed(new StringValues(response.Headers.TryGetValues("Connection", out var c) ? c.ToArray() : []));
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (HopByHop.Contains(header.Key) || connectionListed.Contains(header.Key) || header.Key.Equals("X-Correlation-Id", StringComparison.OrdinalIgnoreCase)) continue;
            outgoing.Headers[header.Key] = header.Value.ToArray();
        }
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await using var body = await response.Content.ReadAsStreamAsync(aborted);
        await body.CopyToAsync(outgoing.Body, aborted);
    }

    private static HashSet<string> ConnectionListed(StringValues connection) =>
        new(connection.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)), StringComparer.OrdinalIgnoreCase);

    private static void SetIfPresent(HttpRequestMessage request, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value)) request.Headers.TryAddWithoutValidation(name, value);
    }

    private static BadHttpRequestException? FindBodyTooLarge(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } tooLarge) return tooLarge;
        return null;
    }
}
