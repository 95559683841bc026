using System.Diagnostics;
using System.Net;

namespace Ppid.Benchmarks;

/// <summary>What a closed-loop HTTP load produced: completed requests, their latencies, failures.</summary>
internal sealed record LoadResult(int Concurrency, TimeSpan Window, long Requests, long Failures, string? FirstFailure, Distribution Latency, long Bytes)
{
    public double RequestsPerSecond => Requests / Window.TotalSeconds;
}

/// <summary>
/// A closed-loop load: <c>concurrency</c> callers, each sending its next request as soon as the last
/// one's body has been read, for a fixed window after a warm-up. Latency is from just before
/// <c>SendAsync</c> to the last byte of the body. Any answer other than the expected status is a failure.
/// </summary>
internal static class HttpLoad
{
    public static HttpClient Client(Uri baseAddress, int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        AllowAutoRedirect = false,
    })
    { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<LoadResult> RunAsync(HttpClient client, Func<HttpRequestMessage> request, int concurrency, TimeSpan warmup, TimeSpan window,
        HttpStatusCode expected = HttpStatusCode.OK)
    {
        var started = Stopwatch.GetTimestamp();
        var measureFrom = started + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var measureTo = measureFrom + (long)(window.TotalSeconds * Stopwatch.Frequency);
        var perCaller = new List<double>[concurrency];
        long failures = 0, bytes = 0;
        string? firstFailure = null;

        async Task Caller(int index)
        {
            var samples = perCaller[index] = new List<double>(4096);
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var start = Stopwatch.GetTimestamp();
                if (start >= measureTo) return;
                long read = 0;
                HttpStatusCode status;
                try
                {
                    using var message = request();
                    using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
                    status = response.StatusCode;
                    await using var body = await response.Content.ReadAsStreamAsync();
                    int n;
                    while ((n = await body.ReadAsync(buffer)) > 0) read += n;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    if (start >= measureFrom) Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref firstFailure, e.Message, null);
                    continue;
                }
                var end = Stopwatch.GetTimestamp();
                if (start < measureFrom || end > measureTo) continue; // only requests wholly inside the window count
                if (status != expected)
                {
                    Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref firstFailure, $"{(int)status} {status}", null);
                    continue;
                }
                Interlocked.Add(ref bytes, read);
                samples.Add(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => Task.Run(() => Caller(i))));
        var all = perCaller.SelectMany(s => s).ToList();
        return new LoadResult(concurrency, window, all.Count, failures, firstFailure, new Distribution(all), bytes);
    }

    /// <summary>One request after another (one caller), <paramref name="count"/> of them; each request built by <paramref name="request"/> from its index.</summary>
    public static async Task<(Distribution Latency, long BytesPerResponse)> SequentialAsync(HttpClient client, Func<int, HttpRequestMessage> request, int count,
        HttpStatusCode expected = HttpStatusCode.OK)
    {
        var samples = new List<double>(count);
        long bytes = 0;
        var buffer = new byte[64 * 1024];
        for (var i = 0; i < count; i++)
        {
            using var message = request(i);
            var start = Stopwatch.GetTimestamp();
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
            await using var body = await response.Content.ReadAsStreamAsync();
            long read = 0;
            int n;
            while ((n = await body.ReadAsync(buffer)) > 0) read += n;
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (response.StatusCode != expected)
                throw new InvalidOperationException($"{message.Method} {message.RequestUri} answered {(int)response.StatusCode} (expected {(int)expected})");
            samples.Add(elapsed);
            bytes = read;
        }
        return (new Distribution(samples), bytes);
    }
}
