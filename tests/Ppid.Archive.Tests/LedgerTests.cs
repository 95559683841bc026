using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Ppid.Archive.Ledger;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Messaging;
using Shouldly;
using Xunit;

namespace Ppid.Archive.Tests;

/// <summary>The ledger: every event of every service, once, chain-checked on arrival; verification catches any edit of its rows.</summary>
public sealed class LedgerTests(ArchiveWithUpstreams api) : IClassFixture<ArchiveWithUpstreams>
{
    /// <summary>Given a tenant whose item was registered and revised, classified, and published: six events from three services.</summary>
    private async Task<(Guid ItemId, string RegistryStream)> SeedAsync(string tenant)
    {
        var itemId = Guid.NewGuid();
        var classificationId = Guid.NewGuid();
        var registryStream = $"item-{itemId}";
        await api.Registry.AppendAsAsync(tenant, registryStream, "registry.item", "officer-7", "petugas", Sample.Registered(itemId));
        await api.Registry.AppendAsAsync(tenant, registryStream, "registry.item", "officer-7", "petugas", Sample.Retitled(itemId, "Laporan keuangan 2026 (revisi)"));
        await api.Registry.AppendAsAsync(tenant, registryStream, "registry.item", "officer-7", "petugas", Sample.Retitled(itemId, "Laporan keuangan 2026 (final)"));
        await api.Classification.AppendAsAsync(tenant, $"classification-{classificationId}", "classification.classification", "atasan-1", "atasan-ppid",
            Sample.Ratified(itemId, classificationId));
        await api.Publication.AppendAsAsync(tenant, $"edition-{Guid.NewGuid()}", "publication.edition", "ppid-1", "ppid",
            Sample.Edition(Guid.NewGuid(), 1, Sample.Entry(1, itemId, classificationId)));
        // 5 upstream events, then the archive's own EditionArchived comes back through the ledger.
        await api.WaitForLedgerAsync(tenant, 6);
        return (itemId, registryStream);
    }

    private async Task<JsonElement> VerifyAsync(string tenant)
    {
        using var client = api.Auditor(tenant);
        return await ArchiveWithUpstreams.JsonAsync(await client.GetAsync("/api/v1/archive/audit/verification"));
    }

    [Fact]
    public async Task Events_of_every_service_are_recorded_once_verbatim_with_their_hashes_and_the_ledger_verifies()
    {
        const string tenant = "ledger-intact";
        var (itemId, stream) = await SeedAsync(tenant);

        (await api.CountAsync("select count(distinct source_service) from ledger where tenant = $1", tenant)).ShouldBe(4); // registry, classification, publication, archive
        (await api.CountAsync("select count(*) from ledger where tenant = $1 and not chain_intact", tenant)).ShouldBe(0);
        (await api.CountAsync("select count(*) from ledger_items where tenant = $1 and item_id = $2", tenant, itemId)).ShouldBe(5);

        // Verbatim: the registry's stored row and the ledger row carry the same data, metadata and hash.
        var source = (await api.Registry.Store.ReadStreamAsync(stream))[0].Stored;
        await using (var cmd = api.Database.DataSource.CreateCommand("select data, metadata, hash from ledger where source_service = 'registry' and event_id = $1"))
        {
            cmd.Parameters.AddWithValue(source.EventId);
            await using var reader = await cmd.ExecuteReaderAsync();
            (await reader.ReadAsync()).ShouldBeTrue();
            CanonicalJson.ToText(reader.GetString(0)).ShouldBe(CanonicalJson.ToText(source.Data));
            CanonicalJson.ToText(reader.GetString(1)).ShouldBe(CanonicalJson.ToText(source.Metadata));
            ((byte[])reader[2]).ShouldBe(source.Hash);
        }

        var report = await VerifyAsync(tenant);
        report.GetProperty("intact").GetBoolean().ShouldBeTrue(report.ToString());
        report.GetProperty("events").GetInt64().ShouldBe(6);
        report.GetProperty("streams").GetInt64().ShouldBe(4);
    }

    [Fact]
    public async Task The_same_event_delivered_twice_is_recorded_once()
    {
        const string tenant = "ledger-twice";
        var (_, stream) = await SeedAsync(tenant);
        var stored = (await api.Registry.Store.ReadStreamAsync(stream))[0];
        var incoming = Incoming(stored, "registry");
        var handler = api.Services.GetRequiredService<LedgerHandler>();

        await using var connection = await api.Database.DataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await handler.HandleAsync(incoming, connection, tx, CancellationToken.None);
        await tx.CommitAsync();

        (await api.CountAsync("select count(*) from ledger where event_id = $1", stored.EventId)).ShouldBe(1);
        (await api.CountAsync("select count(*) from ledger_breaks where tenant = $1", tenant)).ShouldBe(0);
    }

    [Fact]
    public async Task Another_event_claiming_a_recorded_version_is_not_stored_but_recorded_as_a_break()
    {
        const string tenant = "ledger-claim";
        var (_, stream) = await SeedAsync(tenant);
        var stored = (await api.Registry.Store.ReadStreamAsync(stream))[1];
        var impostor = Incoming(stored, "registry") with { EventId = Guid.NewGuid() };
        var handler = api.Services.GetRequiredService<LedgerHandler>();

        await using (var connection = await api.Database.DataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await handler.HandleAsync(impostor, connection, tx, CancellationToken.None);
            await tx.CommitAsync();
        }

        (await api.CountAsync("select count(*) from ledger where event_id = $1", impostor.EventId)).ShouldBe(0);
        (await api.CountAsync("select count(*) from ledger_breaks where tenant = $1 and event_id = $2 and stream_version = 2", tenant, impostor.EventId)).ShouldBe(1);
        (await VerifyAsync(tenant)).GetProperty("intact").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task An_event_altered_in_transit_is_stored_flagged_recorded_as_a_break_and_reported()
    {
        const string tenant = "ledger-break";
        var (itemId, stream) = await SeedAsync(tenant);
        // A fourth registry event whose content was altered after its source hashed it.
        var appended = await api.Registry.AppendAsAsync(tenant, stream, "registry.item", "officer-7", "petugas", Sample.Retitled(itemId, "Judul asli"));
        await api.WaitForLedgerAsync(tenant, 7);
        var original = (await api.Registry.Store.ReadStreamAsync(stream, appended.StreamVersion))[0];
        // Sent on the wire as the registry would, but its content no longer matches its hash.
        var forged = original.Stored with
        {
            EventId = Guid.NewGuid(),
            StreamVersion = original.StreamVersion + 1,
            Data = original.Stored.Data.Replace("Judul asli", "Judul palsu", StringComparison.Ordinal),
        };
        await using (var wire = new RabbitMqEventPublisher(api.Vhost.Uri, "registry", api.Registry.Store.Types, NullLogger<RabbitMqEventPublisher>.Instance))
            await wire.PublishAsync([forged], CancellationToken.None);
        await api.WaitForLedgerAsync(tenant, 8);

        (await api.CountAsync("select count(*) from ledger where event_id = $1 and not chain_intact", forged.EventId)).ShouldBe(1);
        (await api.CountAsync("select count(*) from ledger_breaks where tenant = $1 and event_id = $2", tenant, forged.EventId)).ShouldBe(1);
        var report = await VerifyAsync(tenant);
        report.GetProperty("intact").GetBoolean().ShouldBeFalse();
        report.GetProperty("breaksOnArrival")[0].GetProperty("streamVersion").GetInt64().ShouldBe(forged.StreamVersion);
        report.GetProperty("failures")[0].GetProperty("streamId").GetString().ShouldBe(stream);

        using (var auditor = api.Auditor(tenant))
        {
            var html = await auditor.GetStringAsync("/api/v1/archive/audit/verification?format=html");
            html.ShouldContain("TIDAK UTUH");
            html.ShouldContain(stream);
        }

        using var health = await api.CreateClient().GetAsync("/health/ready");
        var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("checks").GetProperty("ledger").GetProperty("status").GetString().ShouldBe("Degraded");
    }

    [Theory]
    [InlineData("edit-data")]
    [InlineData("edit-metadata")]
    [InlineData("edit-time")]
    [InlineData("delete-middle")]
    [InlineData("delete-last")]
    [InlineData("swap-versions")]
    public async Task Editing_deleting_or_reordering_ledger_rows_is_caught_by_verification(string tampering)
    {
        var tenant = "ledger-" + tampering;
        var (_, stream) = await SeedAsync(tenant);
        (await VerifyAsync(tenant)).GetProperty("intact").GetBoolean().ShouldBeTrue();

        const string where = "tenant = $1 and source_service = 'registry' and stream_id = $2";
        switch (tampering)
        {
            case "edit-data":
                await api.ExecuteAsync($"update ledger set data = replace(data, 'revisi', 'REVISI') where {where} and stream_version = 2", tenant, stream);
                break;
            case "edit-metadata":
                await api.ExecuteAsync($"update ledger set metadata = replace(metadata, 'officer-7', 'officer-8') where {where} and stream_version = 1", tenant, stream);
                break;
            case "edit-time":
                await api.ExecuteAsync($"update ledger set recorded_at = recorded_at - interval '1 day' where {where} and stream_version = 1", tenant, stream);
                break;
            case "delete-middle":
                await api.ExecuteAsync($"delete from ledger where {where} and stream_version = 2", tenant, stream);
                break;
            case "delete-last":
                await api.ExecuteAsync($"delete from ledger where {where} and stream_version = 3", tenant, stream);
                break;
            case "swap-versions":
                await api.ExecuteAsync($"update ledger set stream_version = -1 where {where} and stream_version = 2", tenant, stream);
                await api.ExecuteAsync($"update ledger set stream_version = 2 where {where} and stream_version = 3", tenant, stream);
                await api.ExecuteAsync($"update ledger set stream_version = 3 where {where} and stream_version = -1", tenant, stream);
                break;
        }

        var report = await VerifyAsync(tenant);
        report.GetProperty("intact").GetBoolean().ShouldBeFalse(report.ToString());
        var failure = report.GetProperty("failures")[0];
        failure.GetProperty("sourceService").GetString().ShouldBe("registry");
        failure.GetProperty("streamId").GetString().ShouldBe(stream);
    }

    [Fact]
    public async Task Only_an_auditor_reads_the_ledger()
    {
        using var client = api.Client("ledger-role", "petugas");
        (await client.GetAsync("/api/v1/archive/audit/verification")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    private static IncomingEvent Incoming(RecordedEvent e, string service) => new(
        e.EventId, e.Stored.Type, e.Stored.SchemaVersion, e.StreamId, e.StreamVersion, e.Stored.GlobalPosition, e.Stored.TransactionId, e.Tenant,
        e.RecordedAt, e.Stored.Hash, service, e.Stored.Data, e.Stored.Metadata, e.Data, e.Metadata);
}
