using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ppid.Gateway.Tests;

/// <summary>What an echo backend saw of one request.</summary>
public sealed record Echo(string Instance, string Method, string Path, string Query, Dictionary<string, string> Headers, long BodyLength, string BodySha256);

/// <summary>
/// A small real Kestrel service on a free loopback port standing in for one instance of a service:
/// it echoes what it got, can be slow, streams large bodies in both directions behind gates the
/// test opens, answers a redirect, an HTML page and a tiny OpenAPI document, and can fail its readiness.
/// </summary>
public sealed class Backend : IAsyncDisposable
{
    public const int Chunk = 64 * 1024;

    private readonly WebApplication _app;

    private Backend(string name, WebApplication app, Uri url)
    {
        Name = name;
        _app = app;
        Url = url;
    }

    public string Name { get; }
    public Uri Url { get; }
    private volatile bool _ready = true;

    public bool Ready { get => _ready; set => _ready = value; }
    public ConcurrentQueue<Echo> Seen { get; } = new();

    /// <summary>Set when an upload's first bytes arrived here.</summary>
    public TaskCompletionSource UploadStarted { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A download sends its first chunk, then waits for the test to open this gate.</summary>
    public TaskCompletionSource DownloadGate { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ResetGates()
    {
        UploadStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        DownloadGate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public static async Task<Backend> StartAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        Backend? self = null;
        app.MapGet("/health/live", () => Results.Ok());
        app.MapGet("/health/serving", () => self!.Ready ? Results.Ok() : Results.StatusCode(503));
        app.MapGet("/openapi/v1.json", () => Results.Content(OpenApiOf(name), "application/json"));
        app.MapGet("/api/v1/registry/slow", async (CancellationToken ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return Results.Ok();
        });
        app.MapGet("/api/v1/registry/redirect", () => Results.Redirect("http://evil.example/stolen"));
        app.MapGet("/{tenant}/dip/page", () => Results.Content("<html><body>DIP</body></html>", "text/html"));
        app.MapMethods("/{tenant}/dip/large", ["GET", "HEAD"], () => Results.Content("<html><body>" + new string('x', 200_000) + "</body></html>", "text/html"));
        app.MapGet("/api/v1/registry/download", async (long bytes, HttpContext context) =>
        {
            context.Response.ContentType = "application/octet-stream";
            var buffer = Pattern(Chunk);
            await context.Response.Body.WriteAsync(buffer, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await self!.DownloadGate.Task.WaitAsync(context.RequestAborted);
            for (var sent = (long)Chunk; sent < bytes; sent += Chunk)
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, (int)Math.Min(Chunk, bytes - sent)), context.RequestAborted);
        });
        app.MapGet("/api/v1/registry/events", async (HttpContext context) =>
        {
            // Headers at once, the body only when the test opens the gate (as a stream of events would).
            context.Response.ContentType = "text/event-stream";
            await context.Response.StartAsync(context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await self!.DownloadGate.Task.WaitAsync(context.RequestAborted);
            await context.Response.WriteAsync("data: first\n\n", context.RequestAborted);
        });
        app.Map("/{**path}", async (HttpContext context) =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[Chunk];
            long length = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                if (length == 0) self!.UploadStarted.TrySetResult();
                length += read;
                sha.AppendData(buffer, 0, read);
            }
            var echo = new Echo(name, context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                length, Convert.ToHexString(sha.GetHashAndReset()));
            self!.Seen.Enqueue(echo);
            return Results.Json(echo);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new Backend(name, app, new Uri(address));
        return self;
    }

    /// <summary>A loopback URL where nothing listens (a port just released).</summary>
    public static Uri DeadUrl()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    public static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++) bytes[i] = (byte)(i * 31 % 251);
        return bytes;
    }

    private static string OpenApiOf(string name) => name.StartsWith("registry", StringComparison.Ordinal)
        ? """
          {"openapi":"3.1.1","info":{"title":"registry","version":"v1"},
           "paths":{"/api/v1/registry/items":{"get":{"tags":["Items"],"responses":{"200":{"description":"items","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Item"}}}}}},
                                              "post":{"tags":["Items"],"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Item"}}}},"responses":{"201":{"description":"registered"}}}}},
           "components":{"schemas":{"Item":{"type":"object","properties":{"title":{"type":"string"}}}}}}
          """
        : """
          {"openapi":"3.1.1","info":{"title":"NAME","version":"v1"},
           "paths":{"/api/v1/SERVICE/things":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Item"}}}},"responses":{"200":{"description":"ok"}}}}},
           "components":{"schemas":{"Item":{"type":"object","properties":{"code":{"type":"integer"}}}}}}
          """.Replace("NAME", name, StringComparison.Ordinal).Replace("SERVICE", name.TrimEnd('-', '1', '2'), StringComparison.Ordinal);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
