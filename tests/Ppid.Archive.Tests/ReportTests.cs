using System.Net;
using Ppid.Contracts.Registry;
using Shouldly;
using Xunit;

namespace Ppid.Archive.Tests;

/// <summary>Reports from the ledger: a cycle's SOP steps against their time standards; the monthly availability report.</summary>
public sealed class ReportTests(ArchiveWithUpstreams api) : IClassFixture<ArchiveWithUpstreams>
{
    [Fact]
    public async Task A_cycles_steps_are_timed_against_their_standards_as_json_html_and_csv()
    {
        const string tenant = "reports-cycle";
        var cycleId = Guid.NewGuid();
        var opened = DateTimeOffset.UtcNow;
        await api.Registry.AppendAsAsync(tenant, $"cycle-{cycleId}", "registry.cycle", "ppid-1", "ppid", new UpdateCycleOpened(cycleId, "semester-2", 2026,
        [
            new CycleStep("collect", "Pengumpulan informasi", opened.AddDays(7)),
            new CycleStep("meeting", "Rapat koordinasi", opened.AddDays(8)),
            new CycleStep("ratify", "Penetapan", opened.AddMilliseconds(-1)), // already due: ratification will be late
            new CycleStep("publish", "Publikasi DIP", opened.AddDays(20)),
        ], opened));
        var itemId = Guid.NewGuid();
        var classificationId = Guid.NewGuid();
        await api.Registry.AppendAsAsync(tenant, $"cycle-{cycleId}", "registry.cycle", "sekretariat-1", "sekretariat",
            new CollectionClosed(cycleId, "semester-2", [new AcceptedItem(itemId, 1, "SETDA")], DateTimeOffset.UtcNow));
        await api.Classification.AppendAsAsync(tenant, $"classification-{classificationId}", "classification.classification", "atasan-1", "atasan-ppid",
            Sample.Ratified(itemId, classificationId));
        await api.Publication.AppendAsAsync(tenant, $"edition-{Guid.NewGuid()}", "publication.edition", "ppid-1", "ppid",
            Sample.Edition(Guid.NewGuid(), 1, Sample.Entry(1, itemId, classificationId)));
        await api.WaitForLedgerAsync(tenant, 5);

        using var client = api.Client(tenant, "ppid");
        var report = await ArchiveWithUpstreams.JsonAsync(await client.GetAsync($"/api/v1/archive/reports/cycles/{cycleId}"));
        var steps = report.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("code").GetString()!, s => s.GetProperty("status").GetString());
        steps.ShouldBe(new Dictionary<string, string?> { ["collect"] = "on-time", ["meeting"] = "pending", ["ratify"] = "late", ["publish"] = "on-time" });

        var csv = await client.GetStringAsync($"/api/v1/archive/reports/cycles/{cycleId}?format=csv");
        csv.Split("\r\n")[0].ShouldBe("langkah,nama,batas_waktu,standar_jam,selesai,aktual_jam,status,bukti");
        csv.ShouldContain("ratify,Penetapan,");
        var html = await client.GetStringAsync($"/api/v1/archive/reports/cycles/{cycleId}?format=html");
        html.ShouldContain("terlambat");
        html.ShouldContain("belum selesai");

        (await client.GetAsync($"/api/v1/archive/reports/cycles/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetAsync($"/api/v1/archive/reports/cycles/{cycleId}?format=xml")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var officer = api.Client(tenant, "petugas");
        (await officer.GetAsync($"/api/v1/archive/reports/cycles/{cycleId}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_monthly_availability_report_counts_categories_and_the_months_changes()
    {
        const string tenant = "reports-availability";
        var kept = Guid.NewGuid();
        var gone = Guid.NewGuid();
        var urgent = Guid.NewGuid();
        await api.Registry.AppendAsAsync(tenant, $"item-{kept}", "registry.item", "officer-7", "petugas", Sample.Registered(kept), Sample.Retitled(kept, "Baru"));
        await api.Registry.AppendAsAsync(tenant, $"item-{gone}", "registry.item", "officer-7", "petugas", Sample.Registered(gone),
            new InformationItemWithdrawn(gone, "Tidak lagi dikuasai", DateTimeOffset.UtcNow));
        await api.Registry.AppendAsAsync(tenant, $"item-{urgent}", "registry.item", "officer-7", "petugas", Sample.Registered(urgent));
        var c1 = Guid.NewGuid();
        var c2 = Guid.NewGuid();
        await api.Classification.AppendAsAsync(tenant, $"classification-{c1}", "classification.classification", "atasan-1", "atasan-ppid", Sample.Ratified(kept, c1));
        await api.Classification.AppendAsAsync(tenant, $"classification-{c2}", "classification.classification", "atasan-1", "atasan-ppid",
            Sample.Ratified(urgent, c2, Ppid.Contracts.Classification.Category.SertaMerta));
        await api.WaitForLedgerAsync(tenant, 7);

        var month = DateTimeOffset.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        using var client = api.Auditor(tenant);
        var report = await ArchiveWithUpstreams.JsonAsync(await client.GetAsync($"/api/v1/archive/reports/availability?month={month}"));
        report.GetProperty("byCategory").GetProperty("berkala").GetInt32().ShouldBe(1);
        report.GetProperty("byCategory").GetProperty("serta-merta").GetInt32().ShouldBe(1);
        report.GetProperty("itemsAdded").GetInt32().ShouldBe(3);
        report.GetProperty("itemsChanged").GetInt32().ShouldBe(1);
        report.GetProperty("itemsWithdrawn").GetInt32().ShouldBe(1);
        var csv = await client.GetStringAsync($"/api/v1/archive/reports/availability?month={month}&format=csv");
        csv.ShouldContain("informasi ditambahkan,3\r\n");
        (await client.GetStringAsync($"/api/v1/archive/reports/availability?month={month}&format=html")).ShouldContain("<td>informasi ditarik</td><td>1</td>");
        using var invalid = await client.GetAsync("/api/v1/archive/reports/availability?month=2026-13");
        invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await invalid.Content.ReadAsStringAsync()).ShouldContain("month");
    }
}
