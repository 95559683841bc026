using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ppid.Archive.Editions;
using Ppid.Archive.Evidence;
using Ppid.Archive.Ledger;
using Ppid.Contracts.Archive;
using Ppid.Platform.EventSourcing;
using Shouldly;
using Xunit;

namespace Ppid.Archive.Tests;

/// <summary>Archived editions: content, document, hashes, retention, the root over the ledger and its later proof; the evidence bundle; disposal.</summary>
public sealed class ArchivedEditionTests(ArchiveWithUpstreams api) : IClassFixture<ArchiveWithUpstreams>
{
    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<JsonElement> EditionAsync(HttpClient client, Guid editionId) =>
        await ArchiveWithUpstreams.JsonAsync(await client.GetAsync($"/api/v1/archive/editions/{editionId}"));

    [Fact]
    public async Task A_published_edition_is_archived_with_content_document_hashes_permanent_retention_and_an_EditionArchived_event()
    {
        var s = await Scenario.RunAsync(api, "editions-archived");
        using var client = api.Auditor(s.Tenant);
        var edition = await EditionAsync(client, s.Edition1.EditionId);

        var content = await client.GetByteArrayAsync($"/api/v1/archive/editions/{s.Edition1.EditionId}/content");
        Sha(content).ShouldBe(edition.GetProperty("contentSha256").GetString());
        JsonDocument.Parse(content).RootElement.GetProperty("contentHash").GetString().ShouldBe(s.Edition1.ContentHash);
        var pdf = await client.GetByteArrayAsync($"/api/v1/archive/editions/{s.Edition1.EditionId}/document");
        Encoding.ASCII.GetString(pdf, 0, 8).ShouldBe("%PDF-1.4");
        Sha(pdf).ShouldBe(edition.GetProperty("pdfSha256").GetString());
        edition.GetProperty("disposition").GetString().ShouldBe("permanent");
        edition.GetProperty("retainUntil").ValueKind.ShouldBe(JsonValueKind.Null);

        // The archive's own event store holds EditionArchived with the same root and position.
        var archived = (await new EventStore(api.Database.DataSource, EventTypes.FromAssemblies(typeof(EditionArchived).Assembly), TimeProvider.System)
            .ReadStreamAsync(EditionArchiver.StreamId(s.Edition1.EditionId)))[0].Data.ShouldBeOfType<EditionArchived>();
        archived.LedgerRootHash.ShouldBe(edition.GetProperty("ledgerRootHash").GetString());
        archived.LedgerPosition.ShouldBe(edition.GetProperty("ledgerPosition").GetInt64());
        archived.ContentHash.ShouldBe(s.Edition1.ContentHash);

        // The root is over the heads of the ledger up to the edition's own entry: recompute it from the rows.
        var rows = await LedgerQueries.StreamOrderAsync(api.Database.DataSource, s.Tenant, archived.LedgerPosition, CancellationToken.None);
        rows.ShouldContain(r => r.Type == "publication.edition-published.v1" && r.Sequence == archived.LedgerPosition);
        RootHash.Compute(RootHash.HeadsOf(rows)).ShouldBe(archived.LedgerRootHash);
    }

    [Fact]
    public async Task The_root_still_verifies_later_and_fails_once_a_covered_ledger_row_is_edited_or_deleted()
    {
        var s = await Scenario.RunAsync(api, "editions-root");
        using var client = api.Auditor(s.Tenant);
        var url = $"/api/v1/archive/editions/{s.Edition1.EditionId}/root-verification";
        var intact = await ArchiveWithUpstreams.JsonAsync(await client.GetAsync(url));
        intact.GetProperty("verified").GetBoolean().ShouldBeTrue(intact.ToString());

        // Rows the ledger received after the edition are outside its root (which rows those are depends on arrival order).
        var position = (await EditionAsync(client, s.Edition1.EditionId)).GetProperty("ledgerPosition").GetInt64();
        await api.ExecuteAsync("delete from ledger where tenant = $1 and stream_id = $2 and sequence > $3", s.Tenant, s.RegistryStream, position);
        (await ArchiveWithUpstreams.JsonAsync(await client.GetAsync(url))).GetProperty("verified").GetBoolean().ShouldBeTrue();

        // Removing a covered stream head (the latest covered row: the edition's own entry) changes the root.
        await api.ExecuteAsync("delete from ledger where tenant = $1 and sequence = (select max(sequence) from ledger where tenant = $1 and sequence <= $2)",
            s.Tenant, position);
        var deleted = await ArchiveWithUpstreams.JsonAsync(await client.GetAsync(url));
        deleted.GetProperty("rootMatches").GetBoolean().ShouldBeFalse(deleted.ToString());
        deleted.GetProperty("verified").GetBoolean().ShouldBeFalse();

        var second = $"/api/v1/archive/editions/{s.Edition2.EditionId}/root-verification";
        await api.ExecuteAsync("update ledger set data = replace(data, 'Ringkasan', 'Ringkasan palsu') where tenant = $1 and type = 'publication.edition-published.v1'", s.Tenant);
        var edited = await ArchiveWithUpstreams.JsonAsync(await client.GetAsync(second));
        edited.GetProperty("chainsIntact").GetBoolean().ShouldBeFalse();
        edited.GetProperty("verified").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task The_evidence_bundle_verifies_on_its_own()
    {
        var s = await Scenario.RunAsync(api, "editions-evidence");
        using var client = api.Auditor(s.Tenant);
        using var response = await client.GetAsync($"/api/v1/archive/audit/evidence?itemId={s.ItemId}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/zip");
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        var files = zip.Entries.ToDictionary(e => e.FullName, e => { using var m = new MemoryStream(); e.Open().CopyTo(m); return m.ToArray(); });

        // Every file matches hashes.txt.
        var listed = Encoding.UTF8.GetString(files["hashes.txt"]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split("  ")).ToList();
        listed.Select(l => l[1]).ShouldBe(files.Keys.Where(k => k != "hashes.txt"), ignoreOrder: true);
        foreach (var l in listed) Sha(files[l[1]]).ShouldBe(l[0], l[1]);

        // Every event chains, per service, from the bundle's rows alone.
        var events = Encoding.UTF8.GetString(files["events.jsonl"]).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonSerializer.Deserialize<BundledEvent>(l, EvidenceBundle.Json)!).ToList();
        events.Count.ShouldBe(Scenario.LedgerEvents);
        foreach (var service in events.GroupBy(e => e.SourceService))
        {
            var chain = new IntegrityVerifier.ChainVerifier();
            foreach (var e in service.OrderBy(e => e.StreamId, StringComparer.Ordinal).ThenBy(e => e.StreamVersion)) chain.Add(e.ToEntry().ToStored());
            chain.Complete().Intact.ShouldBeTrue(service.Key);
        }

        // Each edition's root recomputes from the bundled events up to its position, and its files match their hashes.
        var editions = JsonSerializer.Deserialize<List<BundledEdition>>(files["editions.json"], EvidenceBundle.Json)!;
        editions.Count.ShouldBe(2);
        foreach (var edition in editions)
        {
            RootHash.Compute(RootHash.HeadsOf(events.Where(e => e.Sequence <= edition.LedgerSequence).Select(e => e.ToEntry()))).ShouldBe(edition.LedgerRootHash);
            Sha(files[$"editions/edition-{edition.Number}.json"]).ShouldBe(edition.ContentSha256);
            Sha(files[$"editions/edition-{edition.Number}.pdf"]).ShouldBe(edition.PdfSha256);
        }
        JsonDocument.Parse(files["verification-report.json"]).RootElement.GetProperty("intact").GetBoolean().ShouldBeTrue();
        JsonDocument.Parse(files[$"item-{s.ItemId}/history.json"]).RootElement.GetProperty("steps").GetArrayLength().ShouldBe(6);
        Encoding.UTF8.GetString(files[$"item-{s.ItemId}/timeline.html"]).ShouldContain("Riwayat perubahan informasi");
        Encoding.UTF8.GetString(files["heads.txt"]).ShouldContain("root " + RootHash.Compute(RootHash.HeadsOf(events.Select(e => e.ToEntry()))));
    }

    [Fact]
    public async Task A_kept_bundle_is_checked_by_the_archive_and_any_edit_in_it_is_named()
    {
        var s = await Scenario.RunAsync(api, "editions-kept-bundle");
        using var client = api.Auditor(s.Tenant);
        var bundle = await client.GetByteArrayAsync("/api/v1/archive/audit/evidence");
        async Task<JsonElement> CheckAsync(byte[] zip) =>
            await ArchiveWithUpstreams.JsonAsync(await client.PostAsync("/api/v1/archive/audit/evidence/verification", new ByteArrayContent(zip)));

        var intact = await CheckAsync(bundle);
        intact.GetProperty("intact").GetBoolean().ShouldBeTrue(intact.ToString());
        intact.GetProperty("events").GetInt32().ShouldBe(Scenario.LedgerEvents);

        // An event edited, with hashes.txt recomputed to match: the chain still gives it away.
        var edited = Rewrite(bundle, "events.jsonl", text => text.Replace("(revisi)", "(diubah)", StringComparison.Ordinal), fixHashes: true);
        var chain = await CheckAsync(edited);
        chain.GetProperty("intact").GetBoolean().ShouldBeFalse();
        chain.GetProperty("problems").EnumerateArray().ShouldContain(p => p.GetString()!.Contains(s.RegistryStream, StringComparison.Ordinal));

        // A document swapped without touching hashes.txt.
        var swapped = Rewrite(bundle, "editions/edition-1.json", text => text.Replace("Ringkasan", "Ringkasan lain", StringComparison.Ordinal), fixHashes: false);
        (await CheckAsync(swapped)).GetProperty("problems").EnumerateArray().ShouldContain(p => p.GetString() == "editions/edition-1.json does not match its SHA-256 in hashes.txt");
    }

    private static byte[] Rewrite(byte[] bundle, string name, Func<string, string> change, bool fixHashes)
    {
        var files = new Dictionary<string, byte[]>();
        using (var zip = new ZipArchive(new MemoryStream(bundle), ZipArchiveMode.Read))
            foreach (var e in zip.Entries) { using var m = new MemoryStream(); e.Open().CopyTo(m); files[e.FullName] = m.ToArray(); }
        files[name] = Encoding.UTF8.GetBytes(change(Encoding.UTF8.GetString(files[name])));
        if (fixHashes)
            files["hashes.txt"] = Encoding.UTF8.GetBytes(string.Concat(files.Where(f => f.Key != "hashes.txt").Select(f => $"{Sha(f.Value)}  {f.Key}\n")));
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (file, bytes) in files) { using var s = zip.CreateEntry(file).Open(); s.Write(bytes); }
        return output.ToArray();
    }

    [Fact]
    public async Task Disposal_needs_a_passed_retention_no_hold_and_a_decision_and_leaves_the_record_and_its_hashes()
    {
        const string tenant = "editions-disposal";
        using var archivist = api.Client(tenant, "arsiparis", "arsiparis-1");
        (await archivist.PutAsJsonAsync("/api/v1/archive/retention", new { recordClass = "900.1", activeYears = 0, inactiveYears = 0, disposition = "destroy" }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        var s = await Scenario.RunAsync(api, tenant);
        var id = s.Edition1.EditionId;
        var before = await EditionAsync(archivist, id);
        before.GetProperty("disposition").GetString().ShouldBe("destroy");
        before.GetProperty("retainUntil").GetString().ShouldBe("2026-05-01");

        using (var officer = api.Client(tenant, "petugas"))
            (await officer.PostAsJsonAsync($"/api/v1/archive/editions/{id}/disposal", new { decisionReference = "SK-MUSNAH/1/2026", approvedBy = "Kepala Arsip" }))
                .StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using (var invalid = await archivist.PostAsJsonAsync($"/api/v1/archive/editions/{id}/disposal", new { approvedBy = "Kepala Arsip" }))
        {
            invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await invalid.Content.ReadAsStringAsync()).ShouldContain("decisionReference");
        }

        (await archivist.PutAsJsonAsync($"/api/v1/archive/editions/{id}/legal-hold", new { hold = true, reason = "Sengketa informasi KI 12/2026" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var held = await archivist.PostAsJsonAsync($"/api/v1/archive/editions/{id}/disposal", new { decisionReference = "SK-MUSNAH/1/2026", approvedBy = "Kepala Arsip" }))
        {
            held.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await held.Content.ReadAsStringAsync()).ShouldContain("legal hold");
        }
        (await archivist.PutAsJsonAsync($"/api/v1/archive/editions/{id}/legal-hold", new { hold = false, reason = "Sengketa selesai" })).StatusCode.ShouldBe(HttpStatusCode.OK);

        var disposed = await ArchiveWithUpstreams.JsonAsync(await archivist.PostAsJsonAsync($"/api/v1/archive/editions/{id}/disposal",
            new { decisionReference = "SK-MUSNAH/1/2026", approvedBy = "Kepala Arsip" }));
        disposed.GetProperty("disposal").GetProperty("decisionReference").GetString().ShouldBe("SK-MUSNAH/1/2026");
        disposed.GetProperty("disposal").GetProperty("disposedBy").GetString().ShouldBe("arsiparis-1");
        disposed.GetProperty("contentSha256").GetString().ShouldBe(before.GetProperty("contentSha256").GetString());
        (await archivist.GetAsync($"/api/v1/archive/editions/{id}/content")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await archivist.GetAsync($"/api/v1/archive/editions/{id}/document")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await archivist.PostAsJsonAsync($"/api/v1/archive/editions/{id}/disposal", new { decisionReference = "SK-MUSNAH/1/2026", approvedBy = "Kepala Arsip" }))
            .StatusCode.ShouldBe(HttpStatusCode.Conflict);

        var stream = await new EventStore(api.Database.DataSource, EventTypes.FromAssemblies(typeof(EditionArchived).Assembly), TimeProvider.System)
            .ReadStreamAsync(EditionArchiver.StreamId(id));
        var record = stream.Select(e => e.Data).OfType<EditionDisposed>().Single();
        record.DecisionReference.ShouldBe("SK-MUSNAH/1/2026");
        record.ApprovedBy.ShouldBe("Kepala Arsip");
        record.ContentSha256.ShouldBe(before.GetProperty("contentSha256").GetString());
        stream[^1].Metadata.ActorId.ShouldBe("arsiparis-1");
    }

    [Fact]
    public async Task A_permanent_edition_is_never_disposed()
    {
        var s = await Scenario.RunAsync(api, "editions-permanent");
        using var archivist = api.Client(s.Tenant, "arsiparis");
        using var refused = await archivist.PostAsJsonAsync($"/api/v1/archive/editions/{s.Edition1.EditionId}/disposal",
            new { decisionReference = "SK-MUSNAH/2/2026", approvedBy = "Kepala Arsip" });
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("permanent");
        (await archivist.GetAsync($"/api/v1/archive/editions/{s.Edition1.EditionId}/content")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
