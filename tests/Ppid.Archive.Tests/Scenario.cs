using Ppid.Contracts.Publication;
using Ppid.Platform.EventSourcing;

namespace Ppid.Archive.Tests;

/// <summary>
/// One item's life across services, with the instants between its steps: registered, retitled,
/// ratified, published in edition 1, retitled again, published in edition 2.
/// </summary>
public sealed record Scenario(
    string Tenant,
    Guid ItemId,
    string RegistryStream,
    EditionPublished Edition1,
    EditionPublished Edition2,
    DateTimeOffset BeforeAll,
    DateTimeOffset AfterRegistered,
    DateTimeOffset AfterRevised,
    DateTimeOffset AfterRatified,
    DateTimeOffset AfterEdition1,
    DateTimeOffset AfterEdition2)
{
    public const string Title0 = "Laporan keuangan 2026";
    public const string Title1 = "Laporan keuangan 2026 (revisi)";
    public const string Title2 = "Laporan <script>alert(1)</script> & final";

    /// <summary>Six upstream events and an EditionArchived per edition.</summary>
    public const int LedgerEvents = 8;

    public static async Task<Scenario> RunAsync(ArchiveWithUpstreams api, string tenant)
    {
        static DateTimeOffset Now() => EventHashing.TruncateToMicroseconds(DateTimeOffset.UtcNow);
        var itemId = Guid.NewGuid();
        var classificationId = Guid.NewGuid();
        var stream = $"item-{itemId}";
        var beforeAll = Now();
        await Task.Delay(2);
        await api.Registry.AppendAsAsync(tenant, stream, "registry.item", "officer-7", "petugas", Sample.Registered(itemId, Title0));
        var afterRegistered = Now();
        await Task.Delay(2);
        await api.Registry.AppendAsAsync(tenant, stream, "registry.item", "officer-7", "petugas", Sample.Retitled(itemId, Title1));
        var afterRevised = Now();
        await Task.Delay(2);
        await api.Classification.AppendAsAsync(tenant, $"classification-{classificationId}", "classification.classification", "atasan-1", "atasan-ppid",
            Sample.Ratified(itemId, classificationId));
        var afterRatified = Now();
        await Task.Delay(2);
        var edition1 = Sample.Edition(Guid.NewGuid(), 1, Sample.Entry(1, itemId, classificationId, Title1));
        await api.Publication.AppendAsAsync(tenant, $"edition-{edition1.EditionId}", "publication.edition", "ppid-1", "ppid", edition1);
        var afterEdition1 = Now();
        await Task.Delay(2);
        await api.Registry.AppendAsAsync(tenant, stream, "registry.item", "officer-7", "petugas", Sample.Retitled(itemId, Title2));
        var edition2 = Sample.Edition(Guid.NewGuid(), 2, Sample.Entry(1, itemId, classificationId, Title2));
        await api.Publication.AppendAsAsync(tenant, $"edition-{edition2.EditionId}", "publication.edition", "ppid-1", "ppid", edition2);
        var afterEdition2 = Now();
        // 6 upstream events and an EditionArchived per edition.
        await api.WaitForLedgerAsync(tenant, LedgerEvents);
        return new Scenario(tenant, itemId, stream, edition1, edition2, beforeAll, afterRegistered, afterRevised, afterRatified, afterEdition1, afterEdition2);
    }
}
