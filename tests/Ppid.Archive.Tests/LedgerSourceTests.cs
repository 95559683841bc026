using Ppid.Archive.Ledger;
using Ppid.Testing;
using Shouldly;
using Xunit;

namespace Ppid.Archive.Tests;

/// <summary>
/// The inbox under the ledger, through RabbitMQ: stream ids are unique only within a service, and
/// an event that claims an already-applied version is raised, not dropped as a duplicate.
/// </summary>
public sealed class LedgerSourceTests(ArchiveWithUpstreams api) : IClassFixture<ArchiveWithUpstreams>
{
    [Fact]
    public async Task Two_services_with_the_same_stream_id_are_both_recorded()
    {
        var tenant = "tenant-" + Guid.NewGuid().ToString("N")[..8];
        var itemId = Guid.NewGuid();
        var sharedStream = $"shared-{Guid.NewGuid():N}";
        await api.Registry.AppendAsAsync(tenant, sharedStream, "registry.item", "officer-7", "petugas", Sample.Registered(itemId));
        await api.Classification.AppendAsAsync(tenant, sharedStream, "classification.classification", "atasan-1", "atasan-ppid",
            Sample.Ratified(itemId, Guid.NewGuid()));

        await api.WaitForLedgerAsync(tenant, 2);
        (await api.CountAsync("select count(*) from ledger where tenant = $1 and stream_id = $2", tenant, sharedStream)).ShouldBe(2);
    }

    [Fact]
    public async Task A_different_event_claiming_an_applied_version_goes_to_the_error_queue_not_into_the_ledger()
    {
        var tenant = "tenant-" + Guid.NewGuid().ToString("N")[..8];
        var stream = $"item-{Guid.NewGuid()}";
        await api.Registry.AppendAsAsync(tenant, stream, "registry.item", "officer-7", "petugas", Sample.Registered(Guid.NewGuid(), "Asli"));
        await api.WaitForLedgerAsync(tenant, 1);

        // A second "registry" with another history of the same stream: its v1 is a different event.
        await using var rewritten = await UpstreamService.StartAsync("registry", api.Vhost);
        await rewritten.AppendAsAsync(tenant, stream, "registry.item", "officer-7", "petugas", Sample.Registered(Guid.NewGuid(), "Palsu"));

        long errors = 0;
        await Poll.UntilAsync(async () => (errors = await api.Vhost.QueueDepthAsync(LedgerHandler.Queue + "_error")) > 0, TimeSpan.FromSeconds(30));
        errors.ShouldBe(1, "the rewritten event is parked in the error queue for an operator");
        (await api.CountAsync("select count(*) from ledger where tenant = $1 and stream_id = $2", tenant, stream)).ShouldBe(1);
        (await api.CountAsync("select count(*) from ledger where tenant = $1 and data::text like '%Palsu%'", tenant)).ShouldBe(0);
    }
}
