using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace Ppid.Testing;

/// <summary>
/// A fresh RabbitMQ virtual host for one test class, created and deleted through the management
/// API, so tests run in parallel without seeing each other's exchanges and queues.
/// </summary>
public sealed class RabbitVhost : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly string? _node;

    private RabbitVhost(string name, HttpClient http, Infrastructure infrastructure)
    {
        Name = name;
        _http = http;
        _node = infrastructure.RabbitMqNode;
        Uri = new UriBuilder(infrastructure.RabbitMq) { Path = "/" + Uri.EscapeDataString(name) }.Uri;
    }

    public string Name { get; }

    /// <summary>amqp://user:password@host:port/vhost</summary>
    public Uri Uri { get; }

    /// <summary>Creates the vhost on <paramref name="infrastructure"/>'s broker (default: <see cref="Infrastructure.Shared"/>).</summary>
    public static async Task<RabbitVhost> CreateAsync(string prefix = "ppid_test", Infrastructure? infrastructure = null)
    {
        infrastructure ??= Infrastructure.Shared;
        var management = infrastructure.RabbitMqManagement;
        var credentials = Uri.UnescapeDataString(management.UserInfo);
        var http = new HttpClient { BaseAddress = new UriBuilder(management) { UserName = "", Password = "" }.Uri, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        var name = TestInfrastructure.UniqueName(prefix);
        var user = credentials.Split(':')[0];
        try
        {
            (await http.PutAsJsonAsync($"api/vhosts/{name}", new { })).EnsureSuccessStatusCode();
            (await http.PutAsJsonAsync($"api/permissions/{name}/{user}", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        }
        catch (HttpRequestException e)
        {
            http.Dispose();
            throw new InvalidOperationException($"Cannot reach the RabbitMQ management API at {http.BaseAddress}: {e.Message}. {TestInfrastructure.HowToStart}", e);
        }
        return new RabbitVhost(name, http, infrastructure);
    }

    /// <summary>
    /// Force-closes every client connection to this vhost (a broker fault, for this test only).
    /// Uses the broker's CLI: the management API lists connections from statistics collected every
    /// few seconds, so it misses connections opened since.
    /// </summary>
    public async Task CloseAllConnectionsAsync()
    {
        string[] node = _node is null ? [] : ["-n", _node];
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("rabbitmqctl",
            [.. node, "-q", "close_all_connections", "-p", Name, "test: simulated broker fault"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("rabbitmqctl could not be started. " + TestInfrastructure.HowToStart);
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"rabbitmqctl close_all_connections failed: {error}");
    }

    /// <summary>Refuses (0) or allows (null) new client connections to this vhost: with <see cref="CloseAllConnectionsAsync"/>, the broker is down for this test only.</summary>
    public async Task SetMaxConnectionsAsync(int? limit)
    {
        using var response = limit is { } value
            ? await _http.PutAsJsonAsync($"api/vhost-limits/{Name}/max-connections", new { value })
            : await _http.DeleteAsync($"api/vhost-limits/{Name}/max-connections");
        if (limit is not null) response.EnsureSuccessStatusCode();
    }

    /// <summary>Messages in a queue (ready and unacknowledged), from the management API's statistics (a few seconds old); 0 for a queue not declared yet.</summary>
    public async Task<long> QueueDepthAsync(string queue) => (await QueueAsync(queue))?.Messages ?? 0;

    /// <summary>Consumers attached to a queue, from the management API; 0 for a queue not declared yet.</summary>
    public async Task<long> ConsumersAsync(string queue) => (await QueueAsync(queue))?.Consumers ?? 0;

    private async Task<QueueInfo?> QueueAsync(string queue)
    {
        using var response = await _http.GetAsync($"api/queues/{Name}/{Uri.EscapeDataString(queue)}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<QueueInfo>();
    }

    /// <summary>Every queue of this vhost with its messages (ready and unacknowledged), from the management API's statistics (a few seconds old).</summary>
    public async Task<IReadOnlyDictionary<string, long>> QueuesAsync()
    {
        var queues = await _http.GetFromJsonAsync<List<NamedQueueInfo>>($"api/queues/{Name}") ?? [];
        return queues.ToDictionary(q => q.Name, q => q.Messages ?? 0, StringComparer.Ordinal);
    }

    /// <summary>Sets the test user's permissions on this vhost (regular expressions over resource names; "^$" allows nothing).</summary>
    public async Task SetPermissionsAsync(string configure, string write, string read)
    {
        var user = Uri.UnescapeDataString(Uri.UserInfo).Split(':')[0];
        (await _http.PutAsJsonAsync($"api/permissions/{Name}/{user}", new { configure, write, read })).EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        if (Environment.GetEnvironmentVariable("PPID_TEST_KEEP_DB") != "1")
            using (await _http.DeleteAsync($"api/vhosts/{Name}")) { }
        _http.Dispose();
    }

    private sealed record QueueInfo(long Messages, long? Consumers);

    private sealed record NamedQueueInfo(string Name, long? Messages);
}
