using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ppid.Testing;

namespace Ppid.Gateway.Tests;

public sealed class ForwardingTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private static readonly TimeSpan Deadlock = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Requests_are_balanced_round_robin_across_two_instances()
    {
        using var client = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);

        var instances = new List<string>();
        for (var i = 0; i < 6; i++) instances.Add((await GatewayFixture.EchoOf(await client.GetAsync("/api/v1/registry/items"))).Instance);

        instances.Count(i => i == "registry-a").ShouldBe(3);
        instances.Count(i => i == "registry-b").ShouldBe(3);
        instances.Zip(instances.Skip(1)).ShouldAllBe(pair => pair.First != pair.Second);
    }

    [Fact]
    public async Task A_dead_instance_is_skipped_and_every_request_still_answers()
    {
        using var client = gateway.Client((await gateway.KeyAsync("classification:decide")).Secret);

        for (var i = 0; i < 4; i++)
            (await GatewayFixture.EchoOf(await client.GetAsync($"/api/v1/classification/decrees?n={i}"))).Instance.ShouldBe("classification");
    }

    [Fact]
    public async Task An_instance_failing_its_readiness_probe_leaves_the_rotation_until_it_passes_again()
    {
        using var client = gateway.Client();
        gateway.Publication2.Ready = false;
        try
        {
            await PollUntilAsync(async () =>
            {
                var seen = new List<string>();
                for (var i = 0; i < 4; i++) seen.Add((await GatewayFixture.EchoOf(await client.GetAsync("/kota-contoh/dip/"))).Instance);
                return seen.All(s => s == "publication-1");
            });
        }
        finally
        {
            gateway.Publication2.Ready = true;
        }
        await PollUntilAsync(async () => (await GatewayFixture.EchoOf(await client.GetAsync("/kota-contoh/dip/"))).Instance == "publication-2");
    }

    [Fact]
    public async Task A_service_with_no_reachable_instance_answers_503_problem_details_with_retry_after()
    {
        using var client = gateway.Client((await gateway.KeyAsync("archive:manage")).Secret);

        using var response = await client.PostAsync("/api/v1/archive/editions", JsonContent.Create(new { }));

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        response.Headers.RetryAfter!.Delta!.Value.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("type").GetString()!.ShouldEndWith("/service-unavailable");
        problem.GetProperty("detail").GetString()!.ShouldContain("archive");
    }

    [Fact]
    public async Task A_service_that_does_not_answer_in_time_gives_504()
    {
        using var client = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);

        using var response = await client.GetAsync("/api/v1/registry/slow");

        response.StatusCode.ShouldBe(HttpStatusCode.GatewayTimeout);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Hop_by_hop_headers_and_credentials_are_dropped_and_forwarding_headers_set()
    {
        var key = (await gateway.KeyAsync("registry:write")).Secret;
        using var client = gateway.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/registry/items?page=2");
        request.Headers.TryAddWithoutValidation("X-Api-Key", key);
        request.Headers.TryAddWithoutValidation("Connection", "X-Private-Hop");
        request.Headers.TryAddWithoutValidation("X-Private-Hop", "secret-for-this-hop");
        request.Headers.TryAddWithoutValidation("Proxy-Authorization", "Basic c2VjcmV0");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "10.6.6.6");
        request.Headers.TryAddWithoutValidation("X-Ppid-Gateway", "forged");
        request.Headers.TryAddWithoutValidation("X-End-To-End", "kept");

        var echo = await GatewayFixture.EchoOf(await client.SendAsync(request));

        echo.Query.ShouldBe("?page=2");
        echo.Headers.ShouldNotContainKey("X-Private-Hop");
        echo.Headers.ShouldNotContainKey("Proxy-Authorization");
        echo.Headers.ShouldNotContainKey("X-Api-Key");
        echo.Headers.ShouldNotContainKey("Authorization");
        echo.Headers["X-End-To-End"].ShouldBe("kept");
        echo.Headers["X-Forwarded-For"].ShouldBe("127.0.0.1");
        echo.Headers["X-Forwarded-Proto"].ShouldBe("http");
        echo.Headers["X-Forwarded-Host"].ShouldBe(gateway.Address.Authority);
        echo.Headers["X-Ppid-Gateway"].ShouldBe(GatewayFixture.Secret);
        echo.Headers["Host"].ShouldBe(echo.Instance == "registry-a" ? gateway.RegistryA.Url.Authority : gateway.RegistryB.Url.Authority);
    }

    [Fact]
    public async Task A_large_upload_streams_to_the_service_before_the_caller_has_sent_it_all()
    {
        using var client = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);
        foreach (var backend in new[] { gateway.RegistryA, gateway.RegistryB }) backend.ResetGates();
        const long size = 20L * 1024 * 1024;
        var body = new GatedStream(size, Task.WhenAny(gateway.RegistryA.UploadStarted.Task, gateway.RegistryB.UploadStarted.Task));

        using var content = new StreamContent(body);
        content.Headers.ContentType = new("application/octet-stream");
        var echo = await GatewayFixture.EchoOf(await client.PostAsync("/api/v1/registry/imports", content).WaitAsync(Deadlock));

        // The stream withheld all but its first chunk until the service had bytes: a buffering gateway would deadlock here.
        echo.BodyLength.ShouldBe(size);
        echo.BodySha256.ShouldBe(GatedStream.Sha256Of(size));
    }

    [Fact]
    public async Task A_large_download_reaches_the_caller_while_the_service_is_still_sending()
    {
        using var client = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);
        foreach (var backend in new[] { gateway.RegistryA, gateway.RegistryB }) backend.ResetGates();
        const long size = 20L * 1024 * 1024;

        using var response = await client.GetAsync($"/api/v1/registry/download?bytes={size}", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Deadlock);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var first = new byte[Backend.Chunk];
        await stream.ReadExactlyAsync(first).AsTask().WaitAsync(Deadlock);

        // Only now may the service send the rest: the first chunk arrived while it was held back.
        gateway.RegistryA.DownloadGate.TrySetResult();
        gateway.RegistryB.DownloadGate.TrySetResult();
        var rest = new byte[Backend.Chunk];
        long total = first.Length;
        int read;
        while ((read = await stream.ReadAsync(rest)) > 0) total += read;
        total.ShouldBe(size);
        first.ShouldBe(Backend.Pattern(Backend.Chunk));
    }

    [Fact]
    public async Task An_answer_with_a_content_length_arrives_whole_for_get_and_as_headers_only_for_head()
    {
        using var client = gateway.Client();

        using var page = await client.GetAsync("/kota-contoh/dip/large").WaitAsync(Deadlock);
        var body = await page.Content.ReadAsStringAsync().WaitAsync(Deadlock);
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/kota-contoh/dip/large")).WaitAsync(Deadlock);

        page.Content.Headers.ContentLength.ShouldBe(200_026);
        body.Length.ShouldBe(200_026);
        head.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await head.Content.ReadAsByteArrayAsync().WaitAsync(Deadlock)).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_answers_headers_reach_the_caller_before_the_service_sends_any_body()
    {
        using var client = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);
        foreach (var backend in new[] { gateway.RegistryA, gateway.RegistryB }) backend.ResetGates();

        using var response = await client.GetAsync("/api/v1/registry/events", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Deadlock);

        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        gateway.RegistryA.DownloadGate.TrySetResult();
        gateway.RegistryB.DownloadGate.TrySetResult();
        (await response.Content.ReadAsStringAsync().WaitAsync(Deadlock)).ShouldBe("data: first\n\n");
    }

    [Fact]
    public async Task A_body_over_the_path_limit_is_refused_with_413_declared_or_chunked()
    {
        using var client = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);

        using var declared = await client.PostAsync("/api/v1/registry/items", new ByteArrayContent(new byte[100_000]));
        declared.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        declared.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");

        using var chunkedContent = new StreamContent(new GatedStream(200_000, Task.CompletedTask));
        using var chunked = await client.PostAsync("/api/v1/registry/items", chunkedContent);
        chunked.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);

        var upload = await GatewayFixture.EchoOf(await client.PostAsync("/api/v1/registry/imports", new ByteArrayContent(new byte[100_000])));
        upload.BodyLength.ShouldBe(100_000);
    }

    [Fact]
    public async Task A_page_size_above_the_cap_is_refused_naming_the_limit_parameter()
    {
        using var client = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);

        using var response = await client.GetAsync("/api/v1/registry/items?limit=5000");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("\"limit\"");
        (await GatewayFixture.EchoOf(await client.GetAsync("/api/v1/registry/items?limit=200"))).Query.ShouldBe("?limit=200");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task A_page_size_below_one_is_refused_naming_the_limit_parameter(string limit)
    {
        using var client = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);

        using var response = await client.GetAsync($"/api/v1/registry/items?limit={limit}");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("\"limit\"");
    }

    [Theory]
    [InlineData("/api/v1/registry//evil.example/x")]
    [InlineData("/api/v1/registry/%2F%2Fevil.example/x")]
    [InlineData("/api/v1/registry/../../admin")]
    [InlineData("/api/v1/registry/%2e%2e/secret")]
    [InlineData("/api/v1/registry/a\\b")]
    public async Task An_odd_request_target_is_refused(string target)
    {
        var key = (await gateway.KeyAsync("registry:write")).Secret;

        var answer = await RawRequestAsync($"GET {target} HTTP/1.1\r\nHost: gateway\r\nX-Api-Key: {key}\r\nConnection: close\r\n\r\n");

        answer.ShouldStartWith("HTTP/1.1 400");
    }

    [Fact]
    public async Task An_absolute_url_in_the_request_line_is_refused_not_followed()
    {
        var key = (await gateway.KeyAsync("registry:write")).Secret;
        var before = gateway.RegistryA.Seen.Count + gateway.RegistryB.Seen.Count;

        var answer = await RawRequestAsync($"GET http://evil.example/api/v1/registry/items HTTP/1.1\r\nHost: evil.example\r\nX-Api-Key: {key}\r\nConnection: close\r\n\r\n");

        answer.ShouldStartWith("HTTP/1.1 400");
        (gateway.RegistryA.Seen.Count + gateway.RegistryB.Seen.Count).ShouldBe(before);
    }

    [Fact]
    public async Task A_redirect_from_a_service_is_passed_to_the_caller_not_followed()
    {
        using var client = gateway.Client((await gateway.KeyAsync("registry:write")).Secret);

        using var response = await client.GetAsync("/api/v1/registry/redirect");

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldBe("http://evil.example/stolen");
    }

    [Fact]
    public async Task The_public_website_needs_no_key_and_carries_only_the_tenant_of_its_path()
    {
        using var client = gateway.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/kota-contoh/dip/2026?lang=id");
        request.Headers.Add("X-Tenant-Id", "other-tenant");
        request.Headers.Add("X-Actor-Role", "atasan-ppid");

        var echo = await GatewayFixture.EchoOf(await client.SendAsync(request));

        echo.Instance.ShouldStartWith("publication");
        echo.Path.ShouldBe("/kota-contoh/dip/2026");
        echo.Headers["X-Tenant-Id"].ShouldBe("kota-contoh");
        echo.Headers.ShouldNotContainKey("X-Actor-Role");
        (await client.PostAsync("/kota-contoh/dip/2026", new StringContent("x"))).StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task Every_response_has_security_headers_and_a_correlation_id_and_html_has_a_csp()
    {
        using var client = gateway.Client();
        using var html = await client.GetAsync("/kota-contoh/dip/page");
        using var unauthorized = await client.GetAsync("/api/v1/registry/items");
        using var correlated = new HttpRequestMessage(HttpMethod.Get, "/kota-contoh/dip/");
        correlated.Headers.Add("X-Correlation-Id", "sipd-req-42");
        using var withId = await client.SendAsync(correlated);

        html.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        html.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("frame-ancestors 'none'");
        foreach (var response in new[] { html, unauthorized, withId })
        {
            response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
            response.Headers.GetValues("X-Frame-Options").Single().ShouldBe("DENY");
            response.Headers.GetValues("X-Correlation-Id").Single().ShouldNotBeNullOrWhiteSpace();
        }
        unauthorized.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        withId.Headers.GetValues("X-Correlation-Id").Single().ShouldBe("sipd-req-42");
        (await GatewayFixture.EchoOf(withId)).Headers["X-Correlation-Id"].ShouldBe("sipd-req-42");
    }

    [Fact]
    public async Task Cors_allows_only_the_configured_origins()
    {
        using var client = gateway.Client();

        async Task<HttpResponseMessage> PreflightAsync(string origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, "/api/v1/registry/items");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "x-api-key,content-type");
            return await client.SendAsync(request);
        }

        using var allowed = await PreflightAsync("https://portal.example");
        using var refused = await PreflightAsync("https://evil.example");

        allowed.Headers.GetValues("Access-Control-Allow-Origin").Single().ShouldBe("https://portal.example");
        refused.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
    }

    private async Task<string> RawRequestAsync(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(gateway.Address.Host, gateway.Address.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadToEndAsync().WaitAsync(Deadlock);
    }

    internal static async Task PollUntilAsync(Func<Task<bool>> condition)
    {
        if (!await Poll.UntilAsync(condition, Deadlock)) throw new TimeoutException($"The condition did not hold within {Deadlock.TotalSeconds:0} s.");
    }
}

/// <summary>A request body of known bytes that sends its first chunk, then waits for <c>gate</c> before the rest.</summary>
internal sealed class GatedStream(long length, Task gate) : Stream
{
    private long _position;

    /// <summary>The SHA-256 of the bytes such a stream of <paramref name="length"/> produces.</summary>
    public static string Sha256Of(long length)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[Backend.Chunk];
        for (long position = 0; position < length; position += buffer.Length)
        {
            var count = (int)Math.Min(buffer.Length, length - position);
            for (var i = 0; i < count; i++) buffer[i] = (byte)((position + i) % 251);
            sha.AppendData(buffer, 0, count);
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= length) return 0;
        if (_position >= Backend.Chunk) await gate.WaitAsync(cancellationToken);
        var count = (int)Math.Min(Math.Min(buffer.Length, Backend.Chunk - (_position % Backend.Chunk)), length - _position);
        for (var i = 0; i < count; i++) buffer.Span[i] = (byte)((_position + i) % 251);
        _position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
