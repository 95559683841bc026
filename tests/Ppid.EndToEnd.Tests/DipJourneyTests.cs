using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json;
using Ppid.Demo;
using Ppid.Testing;

namespace Ppid.EndToEnd.Tests;

/// <summary>
/// Issue 7: one DIP from the units' hand-over to a published, archived and audited edition, all
/// through the gateway with one API key per role family, as real processes on fresh databases.
/// </summary>
public sealed class DipJourneyTests(Suite suite) : IClassFixture<Suite>
{
    private const string Tenant = "kota-contoh";

    private static readonly Actor Unit = new("budi.dinkes", "unit-kerja");
    private static readonly Actor Secretariat = new("siti.sekretariat", "sekretariat");
    private static readonly Actor Petugas = new("rina.petugas", "petugas");
    private static readonly Actor Ppid = new("agus.ppid", "ppid");
    private static readonly Actor Tim = new("dewi.tim", "tim-pelayanan");
    private static readonly Actor Atasan = new("hendra.atasan", "atasan-ppid");
    private static readonly Actor Auditor = new("inspektorat.auditor", "auditor");

    [Fact]
    public async Task A_DIP_goes_from_the_units_hand_over_to_a_published_archived_and_audited_edition()
    {
        using var http = suite.Client();
        var sop = new Sop(
            new PpidApi(http, await suite.CreateKeyAsync(Tenant, "registry:write", "e2e-registry")),
            new PpidApi(http, await suite.CreateKeyAsync(Tenant, "classification:propose", "e2e-propose")),
            new PpidApi(http, await suite.CreateKeyAsync(Tenant, "classification:decide", "e2e-decide")),
            new PpidApi(http, await suite.CreateKeyAsync(Tenant, "classification:ratify", "e2e-ratify")),
            new PpidApi(http, await suite.CreateKeyAsync(Tenant, "publication:publish", "e2e-publish")));
        var audit = new PpidApi(http, await suite.CreateKeyAsync(Tenant, "audit:read", "e2e-audit"));
        var publicSite = new PpidApi(http, key: null);
        var marker = Guid.NewGuid().ToString("N")[..10];
        string Secret(string what) => $"RAHASIA-{what}-{marker}";

        // Reference data and the three items of one unit.
        await sop.PutUnitAsync(Secretariat, "DINKES", "Dinas Kesehatan");
        await sop.PutRecordClassAsync(Secretariat, "900.1", "Keuangan");
        var (berkala, _) = await sop.RegisterAsync(Unit, Sop.Item("Laporan Realisasi Anggaran Dinas Kesehatan 2026",
            "Realisasi pendapatan dan belanja Dinas Kesehatan per semester.", "DINKES", "report", "900.1"), "berkala");
        var (setiapSaat, _) = await sop.RegisterAsync(Unit, Sop.Item("Rencana Strategis Dinas Kesehatan 2026-2031",
            "Tujuan, sasaran dan program Dinas Kesehatan lima tahun.", "DINKES", "report", "900.1"), "setiap-saat");
        var (exempt, exemptETag) = await sop.RegisterAsync(Unit, Sop.Item("Laporan Audit Investigasi Pengadaan Alat Kesehatan",
            "Ringkasan sementara", "DINKES", "report", "900.1"), "exempt");

        // The cycle: hand-over, one item returned for correction, revised, handed over again, accepted.
        var cycle = await sop.OpenCycleAsync(Secretariat, "DIP 2027", 2027);
        var receipt = await sop.SubmitAsync(Unit, cycle, "DINKES", [berkala, setiapSaat, exempt], "first");
        receipt.GetProperty("receiptNumber").GetString()!.ShouldMatch(@"^TT/\d{4}/0001$");
        await sop.VerifyAsync(Secretariat, cycle, berkala, "accepted", null, "berkala");
        await sop.VerifyAsync(Secretariat, cycle, setiapSaat, "accepted", null, "setiap-saat");
        await sop.VerifyAsync(Secretariat, cycle, exempt, "returned", "Ringkasan isi belum lengkap.", "exempt-1");
        await sop.Registry.ExpectAsync("revise returned item", HttpMethod.Patch, $"/api/v1/registry/items/{exempt}",
            new JsonObject { ["summary"] = Secret("SUMMARY") }, Unit, exemptETag);
        await sop.SubmitAsync(Unit, cycle, "DINKES", [exempt], "again");
        await sop.VerifyAsync(Secretariat, cycle, exempt, "accepted", null, "exempt-2");
        var closed = await sop.CloseAsync(Secretariat, cycle);
        closed.GetProperty("acceptedItems").GetArrayLength().ShouldBe(3, closed.ToString());

        // Classification: berkala and setiap saat straight through; the exempt one with a full
        // consequence test and a consultation round that asks for a correction.
        var (c1, e1) = await sop.ProposeAsync(Petugas, new JsonObject
        {
            ["itemId"] = berkala, ["category"] = "berkala", ["intervalMonths"] = 6, ["rationale"] = "Laporan berkala (Pasal 9).",
        }, "berkala");
        await sop.ConsultAndRatifyAsync(c1, e1, "berkala", Ppid, Tim, Atasan, "188.4/001/PPID/2026");
        var (c2, e2) = await sop.ProposeAsync(Petugas, new JsonObject
        {
            ["itemId"] = setiapSaat, ["category"] = "setiap-saat", ["rationale"] = "Tersedia setiap saat (Pasal 11).",
        }, "setiap-saat");
        await sop.ConsultAndRatifyAsync(c2, e2, "setiap-saat", Ppid, Tim, Atasan, "188.4/002/PPID/2026");

        var (c3, e3) = await sop.ProposeAsync(Petugas, ExemptProposal(exempt, Secret, "Identitas pelapor."), "exempt");
        e3 = await sop.StepAsync(sop.Decide, Ppid, c3, "comments", new JsonObject
        {
            ["comment"] = "Bagian yang dikecualikan harus lebih sempit.", ["requiresCorrection"] = true,
        }, e3, "exempt-correction");
        var revision = ExemptProposal(exempt, Secret, "Identitas pelapor dan saksi.");
        revision.Remove("itemId");
        e3 = await sop.StepAsync(sop.Propose, Petugas, c3, "revisions", revision, e3, "exempt");
        e3 = await sop.ConsultAndDetermineAsync(c3, e3, "exempt", Ppid, Tim, "188.4/003/PPID/2026");
        // Four eyes: whoever proposed or revised may not ratify, even holding a ratify key.
        var proposerRatifying = await sop.Ratify.SendAsync(HttpMethod.Post, $"{Sop.Classifications}/{c3}/ratification", new JsonObject(),
            new Actor(Petugas.Id, Atasan.Role), e3);
        proposerRatifying.Status.ShouldBe(HttpStatusCode.Forbidden, proposerRatifying.ToString());
        await sop.StepAsync(sop.Ratify, Atasan, c3, "ratification", null, e3, "exempt");

        // Publish edition 1 once publication has heard of all three ratifications.
        var beforeEdition = DateTimeOffset.UtcNow;
        var edition = await sop.PublishWhenDraftHasAsync(Ppid, dipEntries: 2, dikEntries: 1);
        edition.GetProperty("number").GetInt32().ShouldBe(1);
        var contentHash = edition.GetProperty("contentHash").GetString()!;

        // The public website (no key): the two open items, the exempt one only in the DIK, no secret anywhere.
        var secrets = new[] { "SUMMARY", "PART", "OPENED", "CLOSED", "BALANCE", "REDACTION", "RATIONALE" }.Select(Secret).ToArray();
        // The secrets are really stored (so their absence below means something): the API shows them to the tenant's keys.
        (await sop.Registry.GetAsync($"/api/v1/registry/items/{exempt}", Secretariat)).Body.ShouldContain(Secret("SUMMARY"));
        var stored = (await sop.Decide.GetAsync($"{Sop.Classifications}/{c3}", Ppid)).Body;
        foreach (var what in (string[])["PART", "OPENED", "CLOSED", "BALANCE", "REDACTION"]) stored.ShouldContain(Secret(what));
        var dip = await publicSite.GetAsync($"/{Tenant}/dip");
        dip.Status.ShouldBe(HttpStatusCode.OK, dip.ToString());
        dip.Body.ShouldContain("Laporan Realisasi Anggaran Dinas Kesehatan 2026");
        dip.Body.ShouldContain("Rencana Strategis Dinas Kesehatan 2026-2031");
        var dik = await publicSite.GetAsync($"/{Tenant}/dip/dik");
        dik.Status.ShouldBe(HttpStatusCode.OK, dik.ToString());
        dik.Body.ShouldContain("Laporan Audit Investigasi Pengadaan Alat Kesehatan");
        dik.Body.ShouldContain(Secret("PUBLIC"));
        foreach (var path in new[] { "", "/dik", "/unduh.csv", "/unduh.json", $"/item/{exempt}", "/edisi/1", "/edisi/1/unduh.csv", "/edisi/1/unduh.json" })
        {
            var page = await publicSite.GetAsync($"/{Tenant}/dip{path}");
            page.Status.ShouldBe(HttpStatusCode.OK, $"{path}: {page}");
            foreach (var secret in secrets) page.Body.ShouldNotContain(secret, customMessage: $"/{Tenant}/dip{path} leaks {secret}");
        }
        var csv = await publicSite.GetAsync($"/{Tenant}/dip/unduh.csv");
        csv.Body.ShouldContain("Laporan Audit Investigasi Pengadaan Alat Kesehatan");
        csv.Body.ShouldContain(Secret("PUBLIC"));
        var json = (await publicSite.GetAsync($"/{Tenant}/dip/unduh.json")).Json;
        json.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("itemId").GetGuid()).Order().ShouldBe(new[] { berkala, setiapSaat }.Order());
        json.GetProperty("exemptions").EnumerateArray().Single().GetProperty("itemId").GetGuid().ShouldBe(exempt);

        // The archive holds the edition; its ledger root shows on the edition's public page.
        var archived = await PpidApi.EventuallyAsync("archived edition", () => audit.GetAsync("/api/v1/archive/editions", Auditor),
            a => a.Status == HttpStatusCode.OK && a.Json.GetArrayLength() == 1, Sop.AsyncTimeout);
        var record = archived.Json[0];
        record.GetProperty("number").GetInt32().ShouldBe(1);
        record.GetProperty("declaredContentHash").GetString().ShouldBe(contentHash);
        var root = record.GetProperty("ledgerRootHash").GetString()!;
        root.Length.ShouldBe(64);
        await PpidApi.EventuallyAsync("root hash on the public edition page", () => publicSite.GetAsync($"/{Tenant}/dip/edisi/1"),
            a => a.Body.Contains(root, StringComparison.Ordinal), Sop.AsyncTimeout);
        var verifiedRoot = await audit.GetAsync($"/api/v1/archive/editions/{record.GetProperty("editionId").GetGuid()}/root-verification", Auditor);
        verifiedRoot.Json.GetProperty("verified").GetBoolean().ShouldBeTrue(verifiedRoot.ToString());

        // The registry shows each item's classification and the edition that listed it.
        foreach (var (item, category, list) in new[] { (berkala, "berkala", "dip"), (setiapSaat, "setiap-saat", "dip"), (exempt, "dikecualikan", "dik") })
        {
            var status = await PpidApi.EventuallyAsync($"the registry's status of {item}", () => sop.Registry.GetAsync($"/api/v1/registry/items/{item}/status", Secretariat),
                a => a.Status == HttpStatusCode.OK && a.Json.GetProperty("publication").ValueKind == JsonValueKind.Object, Sop.AsyncTimeout);
            status.Json.GetProperty("classification").GetProperty("category").GetString().ShouldBe(category, status.ToString());
            status.Json.GetProperty("publication").GetProperty("edition").GetInt32().ShouldBe(1, status.ToString());
            status.Json.GetProperty("publication").GetProperty("list").GetString().ShouldBe(list, status.ToString());
        }

        // The auditor's history of each item names who took every step, in which role.
        var common = new (string Type, Actor Who)[]
        {
            ("registry.item-registered", Unit), ("registry.items-submitted", Unit), ("registry.submitted-item-accepted", Secretariat),
            ("classification.classification-proposed", Petugas), ("classification.proposal-commented", Ppid),
            ("classification.proposal-commented", Tim), ("classification.coordination-meeting-recorded", Ppid),
            ("classification.classification-determined", Ppid), ("classification.classification-ratified", Atasan),
            ("publication.edition-published", Ppid),
        };
        var exemptOnly = new (string, Actor)[]
        {
            ("registry.submitted-item-returned", Secretariat), ("registry.item-revised", Unit), ("classification.proposal-revised", Petugas),
        };
        foreach (var (item, expected) in new[] { (berkala, common), (setiapSaat, common), (exempt, common.Concat(exemptOnly).ToArray()) })
        {
            var history = await PpidApi.EventuallyAsync($"history of {item}", () => audit.GetAsync($"/api/v1/archive/audit/items/{item}/history", Auditor),
                a => a.Status == HttpStatusCode.OK && a.Body.Contains("publication.edition-published", StringComparison.Ordinal), Sop.AsyncTimeout);
            var steps = history.Json.GetProperty("steps").EnumerateArray()
                .Select(s => (Type: s.GetProperty("type").GetString()!, Person: s.GetProperty("who").GetProperty("person").GetString(), Role: s.GetProperty("who").GetProperty("role").GetString()))
                .ToList();
            foreach (var (type, who) in expected)
                steps.ShouldContain(s => s.Type.StartsWith(type, StringComparison.Ordinal) && s.Person == who.Id && s.Role == who.Role,
                    $"{item}: no {type} by {who.Id} as {who.Role} in {string.Join(", ", steps)}");
        }

        // The ledger verifies, and the DIP is reconstructed before (none) and after the edition.
        var verification = await audit.GetAsync("/api/v1/archive/audit/verification", Auditor);
        verification.Status.ShouldBe(HttpStatusCode.OK, verification.ToString());
        verification.Json.GetProperty("intact").GetBoolean().ShouldBeTrue(verification.ToString());
        var before = await audit.GetAsync($"/api/v1/archive/audit/dip?at={Uri.EscapeDataString(beforeEdition.ToString("O"))}", Auditor);
        before.Status.ShouldBe(HttpStatusCode.NotFound, before.ToString());
        var after = await audit.GetAsync($"/api/v1/archive/audit/dip?at={Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"))}", Auditor);
        after.Status.ShouldBe(HttpStatusCode.OK, after.ToString());
        after.Json.GetProperty("edition").GetInt32().ShouldBe(1);
        after.Json.GetProperty("contentHash").GetString().ShouldBe(contentHash);
    }

    private static JsonObject ExemptProposal(Guid item, Func<string, string> secret, string exemptPart) => new()
    {
        ["itemId"] = item,
        ["category"] = "dikecualikan",
        ["rationale"] = secret("RATIONALE"),
        ["consequenceTest"] = new JsonObject
        {
            ["exemptPart"] = $"{exemptPart} {secret("PART")}",
            ["wholeDocument"] = false,
            ["pasal17Letter"] = "a",
            ["pasal17SubPoint"] = "2",
            ["legalBasis"] = "Pasal 17 huruf a angka 2 UU 14/2008",
            ["consequenceIfOpened"] = "Membahayakan pelapor. " + secret("OPENED"),
            ["consequenceIfClosed"] = "Temuan audit tetap dibuka. " + secret("CLOSED"),
            ["publicInterestBalance"] = "Perlindungan pelapor lebih besar. " + secret("BALANCE"),
            ["publicSummary"] = "Identitas pelapor dalam laporan audit. " + secret("PUBLIC"),
            ["exemptUntil"] = "2030-12-31",
            ["redactionNotes"] = "Nama pelapor dihitamkan. " + secret("REDACTION"),
        },
    };
}
