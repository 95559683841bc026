using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Ppid.Platform.Http;

namespace Ppid.Gateway.Forwarding;

/// <summary>
/// Forwards with one <see cref="HttpMessageInvoker"/> over a pooled <see cref="SocketsHttpHandler"/>
/// (no HttpClient or IHttpClientFactory layers: no per-request client, logging scopes or linked
/// timeouts the gateway does not use). The request body goes out as a <see cref="StreamingBody"/>
/// over the incoming body; the answer comes back as soon as its headers are read and its body is
/// copied as it arrives, so neither direction is buffered. The target is always a configured base
/// URL plus the request's path and query; the handler follows no redirects.
/// </summary>
public sealed class HttpForwarder(GatewayOptions options, TimeProvider clock, ILogger<HttpForwarder> logger) : IForwarder, IDisposable
{
    private readonly HttpMessageInvoker _invoker = new(CreateHandler(), disposeHandler: true);

    /// <summary>How much of an answer may be written to the caller's connection before it is flushed, when the service sends faster than it is read.</summary>
    private const int MaxUnflushed = 64 * 1024;

    /// <summary>
    /// Never forwarded: hop-by-hop headers (RFC 9110 §7.6.1), which belong to one connection, and the
    /// headers the gateway owns (credentials stay here; identity and forwarding headers are set by it alone).
    /// </summary>
    private static readonly FrozenSet<string> NotForwarded = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
        "Expect", // Kestrel already answered 100-continue to the caller
        "Host", "Authorization", "X-Api-Key", GatewayTrust.Header, "Forwarded", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
        RequestContext.TenantHeader, "X-Client-System", "X-Actor-Id", "X-Actor-Role",
        // The gateway's own HttpClient span propagates the trace (a child of the caller's, if it sent one);
        // copying the caller's header too would send two traceparents, which a service cannot parse.
        "traceparent", "tracestate", "Request-Id");

    /// <summary>Hop-by-hop headers of an answer, and the correlation id the gateway sets itself.</summary>
    private static readonly FrozenSet<string> NotReturned = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
        "X-Correlation-Id");

    /// <summary>The forwarder's handler: pooled connections without proxy, cookies, redirects or decompression.</summary>
    private static SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false, // a redirect is the service's answer to the caller, never a URL the gateway follows
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2), // picks up DNS changes of a service's name
        MaxConnectionsPerServer = int.MaxValue, // one connection per request in flight: a bounded pool would queue behind a slow answer
    };

    public void Dispose() => _invoker.Dispose();

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
                    response = await _invoker.SendAsync(request, timeout.Token);
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

    private HttpRequestMessage BuildRequest(HttpContext context, ServiceInstance instance, ForwardedIdentity identity, Action bodySent)
    {
        var incoming = context.Request;
        var request = new HttpRequestMessage(HttpMethod.Parse(incoming.Method), TargetUri(instance.BaseUrl, incoming))
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? incoming.ContentLength > 0)
            request.Content = new StreamingBody(incoming.Body, bodySent);

        var connection = incoming.Headers.Connection;
        foreach (var (name, values) in incoming.Headers)
        {
            if (NotForwarded.Contains(name) || (connection.Count > 0 && IsListed(connection, name))) continue;
            var headers = name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) ? request.Content?.Headers : (HttpHeaders)request.Headers;
            if (values.Count == 1) headers?.TryAddWithoutValidation(name, values.ToString());
            else headers?.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }

        if (!string.IsNullOrEmpty(options.Secret)) request.Headers.TryAddWithoutValidation(GatewayTrust.Header, options.Secret);
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
        var connection = response.Headers.NonValidated.TryGetValues("Connection", out var listed) ? listed : default;
        CopyHeaders(response.Headers.NonValidated, connection, outgoing.Headers);
        CopyHeaders(response.Content.Headers.NonValidated, connection, outgoing.Headers);
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await using var body = await response.Content.ReadAsStreamAsync(aborted);
        await CopyBodyAsync(body, outgoing.BodyWriter, outgoing.ContentLength is not null, aborted);
    }

    private static void CopyHeaders(HttpHeadersNonValidated from, HeaderStringValues connection, IHeaderDictionary to)
    {
        foreach (var (name, values) in from)
        {
            if (NotReturned.Contains(name) || (connection.Count > 0 && IsListed(connection, name))) continue;
            if (values.Count == 1)
            {
                to[name] = values.ToString();
                continue;
            }
            var all = new string[values.Count];
            var i = 0;
            foreach (var value in values) all[i++] = value;
            to[name] = all;
        }
    }

    /// <summary>
    /// Copies the answer as it comes, flushing to the caller before every wait for the service (so
    /// nothing the service sent, headers included, is held back) and at least every <see cref="MaxUnflushed"/>
    /// bytes; what is already at hand goes out together, so a small answer and its end leave in one write.
    /// </summary>
    private static async Task CopyBodyAsync(Stream source, PipeWriter target, bool knownLength, CancellationToken aborted)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var reading = false;
        try
        {
            var (unflushed, first) = (0, true);
            while (true)
            {
                var read = source.ReadAsync(buffer, aborted);
                reading = true;
                var callerGone = false;
                if (!read.IsCompleted && (unflushed > 0 || first))
                {
                    callerGone = (await target.FlushAsync(aborted)).IsCompleted;
                    unflushed = 0;
                }
                var count = await read;
                reading = false;
                first = false;
                if (callerGone) return;
                if (count == 0)
                {
                    // A chunked answer's end is written and flushed with what is left; an answer of known length is not.
                    if (unflushed > 0 && knownLength) await target.FlushAsync(aborted);
                    return;
                }
                target.Write(buffer.AsSpan(0, count));
                unflushed += count;
                if (unflushed >= MaxUnflushed)
                {
                    if ((await target.FlushAsync(aborted)).IsCompleted) return;
                    unflushed = 0;
                }
            }
        }
        finally
        {
            // A read still under way (the flush failed) may yet write into the buffer: then it is left to the GC, not returned.
            if (!reading) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Whether <paramref name="name"/> is one of the comma-separated names of a <c>Connection</c> header.</summary>
    private static bool IsListed<TValues>(TValues connection, string name) where TValues : IEnumerable<string?>
    {
        foreach (var value in connection)
            foreach (var range in value.AsSpan().Split(','))
                if (value.AsSpan()[range].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

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
