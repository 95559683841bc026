using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Publication;
using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Testing;

namespace Ppid.Archive.Tests;

/// <summary>
/// The archive on its own database and vhost, with the registry, classification and publication
/// as real upstream event stores and forwarders on the same vhost: their events reach the archive
/// through RabbitMQ with the hashes their stores computed.
/// </summary>
public class ArchiveWithUpstreams : ServiceFixture<Program>
{
    public UpstreamService Registry { get; private set; } = null!;
    public UpstreamService Classification { get; private set; } = null!;
    public UpstreamService Publication { get; private set; } = null!;

    private readonly FileLoggerProvider _log = new(FileLoggerProvider.PathFor("archive"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(l => l.AddProvider(_log));
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var upstreamLogging = LoggerFactory.Create(l => l.AddProvider(_log));
        Registry = await UpstreamService.StartAsync("registry", Vhost, upstreamLogging);
        Classification = await UpstreamService.StartAsync("classification", Vhost, upstreamLogging);
        Publication = await UpstreamService.StartAsync("publication", Vhost, upstreamLogging);
    }

    private bool _disposed;

    public override async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await Registry.DisposeAsync();
        await Classification.DisposeAsync();
        await Publication.DisposeAsync();
        await base.DisposeAsync();
        _log.Dispose();
        GC.SuppressFinalize(this);
    }

    public HttpClient Client(string tenant, string role, string actor = "actor-1")
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Tenant-Id", tenant);
        client.DefaultRequestHeaders.Add("X-Actor-Id", actor);
        client.DefaultRequestHeaders.Add("X-Actor-Role", role);
        client.DefaultRequestHeaders.Add("X-Client-System", "sistem-inspektorat");
        return client;
    }

    public HttpClient Auditor(string tenant) => Client(tenant, "auditor", "auditor-1");

    public async Task<long> CountAsync(string sql, params object[] args)
    {
        await using var cmd = Database.DataSource.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql, params object[] args)
    {
        await using var cmd = Database.DataSource.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Waits until the ledger holds <paramref name="count"/> rows of the tenant; fails after 30 s with what it saw.</summary>
    public async Task WaitForLedgerAsync(string tenant, long count)
    {
        long seen = 0;
        if (await Poll.UntilAsync(async () => (seen = await CountAsync("select count(*) from ledger where tenant = $1", tenant)) >= count,
                TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50))) return;
        throw new TimeoutException($"The ledger holds {seen} events of {tenant}, expected {count}.");
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

/// <summary>Contract events as the upstream services would write them.</summary>
public static class Sample
{
    public static InformationItemRegistered Registered(Guid itemId, string title = "Laporan keuangan 2026") => new(
        itemId, title, "Ringkasan laporan keuangan tahunan", "SETDA", "Sekretaris Daerah", new DateOnly(2026, 3, 1), "Muara Sabak",
        [new AvailableForm(InformationForm.Softcopy, "PDF", "https://ppid.example/laporan.pdf")], "900.1", DocumentKind.Report, "id", ["keuangan"], [],
        DateTimeOffset.UtcNow);

    public static InformationItemRevised Retitled(Guid itemId, string title) =>
        new(itemId, title, null, null, null, null, null, null, null, null, null, null, DateTimeOffset.UtcNow);

    public static ClassificationRatified Ratified(Guid itemId, Guid classificationId, Category category = Category.Berkala, string decree = "188/12/2026") =>
        new(classificationId, itemId, category, 6, "Diumumkan berkala", null, new Decree(decree, new DateOnly(2026, 4, 1), "Muara Sabak", "ppid-1", "Kepala Diskominfo"),
            null, "atasan-1", DateTimeOffset.UtcNow);

    public static DipEntry Entry(int number, Guid itemId, Guid classificationId, string title = "Laporan keuangan 2026") => new(
        number, itemId, classificationId, Category.Berkala, 6, title, "Ringkasan", "SETDA", "Sekretaris Daerah", new DateOnly(2026, 3, 1), "Muara Sabak",
        [new AvailableForm(InformationForm.Softcopy, "PDF", "https://ppid.example/laporan.pdf")], "900.1", "10 tahun", "188/12/2026", false);

    public static EditionPublished Edition(Guid editionId, int number, params DipEntry[] entries) => new(
        editionId, number, new DateOnly(2026, 5, 1), entries, [], [.. entries.Select(e => e.ClassificationId)], $"{number:D2}" + new string('a', 62), "ppid-1",
        EventHashing.TruncateToMicroseconds(DateTimeOffset.UtcNow));

    public static Task<AppendResult> AppendAsAsync(this UpstreamService upstream, string tenant, string streamId, string streamType, string actor, string role, params object[] events) =>
        upstream.AppendAsync(new EventMetadata(tenant, actor, role, "ppid-portal", Guid.NewGuid().ToString()), streamId, streamType, events);
}
