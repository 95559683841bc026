using System.IO.Compression;
using System.Net;
using System.Text;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Registry;
using Ppid.Testing;
using Xunit.Abstractions;

namespace Ppid.Publication.Tests;

/// <summary>
/// The security property: no exempt content reaches any public output. Items get random content
/// with unique markers in every field; part of them are classified exempt; after publishing,
/// every public output (each HTML page, search results, CSV, XLSX, JSON, PDF, the API answers
/// reachable with no key) is fetched, and no marker of a non-public field appears, while the
/// markers of public fields do (so the check can fail).
/// </summary>
[Collection(PublicationCollection.Name)]
public sealed class SecurityPropertyTests(PublicationWithUpstreams fixture, ITestOutputHelper output)
{
    private sealed record Planted(InformationItemRegistered Item, ClassificationRatified Ratified, bool Exempt, List<string> Public, List<string> Private);

    [Theory]
    [InlineData(20261121)]
    [InlineData(7)]
    [InlineData(424242)]
    public async Task No_marker_of_exempt_content_appears_in_any_public_output(int seed)
    {
        var random = new Random(seed);
        output.WriteLine($"seed {seed}");
        var tenant = PublicationWithUpstreams.NewTenant();
        string Marker(string kind) => $"MRK{kind}{random.Next():x8}{random.Next():x8}Z";
        string Text(string marker) => $"{Pick(random, Words)} <b>{marker}</b> & \"{Pick(random, Words)}\" {Pick(random, Words)}";

        var planted = new List<Planted>();
        var count = random.Next(8, 14);
        for (var i = 0; i < count; i++)
        {
            var exempt = i < 3 || random.Next(2) == 0; // at least three exempt items
            var (title, summary, tag, document, rationale) = (Marker("T"), Marker("S"), Marker("G"), Marker("D"), Marker("R"));
            var item = Data.Item(title: Text(title), summary: Text(summary), unit: Pick(random, ["BPKAD", "SETDA", "DISKOMINFO"]), tags: [tag, "umum"],
                documentName: document + ".pdf");
            var category = exempt ? Category.Dikecualikan : Pick(random, [Category.Berkala, Category.SetiapSaat, Category.SertaMerta]);
            var (part, reason, ifOpened, ifClosed, balance, redaction, publicSummary, basis) =
                (Marker("P"), Marker("W"), Marker("O"), Marker("C"), Marker("B"), Marker("X"), Marker("U"), Marker("L"));
            var test = Data.Test(exemptPart: Text(part), publicSummary: Text(publicSummary), ifOpened: Text(ifOpened), ifClosed: Text(ifClosed),
                balance: Text(balance), wholeReason: Text(reason), redaction: Text(redaction), legalBasis: Text(basis));
            var ratified = Data.Ratified(item.ItemId, category, test, rationale: Text(rationale));
            // The rationale, tags and documents are never public; the consequence test's private parts never are either.
            var privateMarkers = new List<string> { tag, document, rationale, part, reason, ifOpened, ifClosed, balance, redaction };
            var publicMarkers = new List<string> { title };
            if (exempt)
            {
                privateMarkers.Add(summary);
                publicMarkers.AddRange([publicSummary, basis]);
            }
            else
            {
                publicMarkers.Add(summary);
                privateMarkers.AddRange([publicSummary, basis]); // an open item's classification carries no consequence test at all
            }
            planted.Add(new Planted(item, ratified, exempt, publicMarkers, privateMarkers));
        }
        foreach (var p in planted) await fixture.RegisterAsync(tenant, p.Item);
        foreach (var p in planted) await fixture.RatifyAsync(tenant, p.Ratified);
        await fixture.DraftReachesAsync(tenant, planted.Count(p => !p.Exempt), planted.Count(p => p.Exempt));
        await fixture.PublishAsync(tenant);

        var outputs = await FetchEverythingAsync(tenant, planted);

        var allPrivate = planted.SelectMany(p => p.Private).ToList();
        foreach (var (name, text) in outputs)
        {
            var leaked = allPrivate.Where(m => text.Contains(m, StringComparison.Ordinal)).ToList();
            leaked.ShouldBeEmpty($"{name} shows non-public content (seed {seed})");
        }
        // The check can fail: public markers do reach the public in every edition format.
        var allPublic = planted.SelectMany(p => p.Public).ToList();
        foreach (var format in new[] { "csv", "xlsx", "json", "pdf" })
        {
            var text = outputs[$"/{tenant}/dip/unduh.{format}"];
            allPublic.Where(m => !text.Contains(m, StringComparison.Ordinal)).ShouldBeEmpty($"{format} lacks public content");
        }
        var html = outputs[$"/{tenant}/dip"] + outputs[$"/{tenant}/dip/dik"];
        allPublic.Where(m => !html.Contains(m, StringComparison.Ordinal)).ShouldBeEmpty("the pages lack public content");
    }

    /// <summary>Every public URL of the tenant, as text (XLSX: all XML parts unzipped; PDF: its uncompressed bytes).</summary>
    private async Task<Dictionary<string, string>> FetchEverythingAsync(string tenant, List<Planted> planted)
    {
        using var web = fixture.Public();
        using var api = fixture.Api(tenant); // no API key: only the tenant header the gateway would set
        var pages = new List<string> { $"/{tenant}/dip", $"/{tenant}/dip/dik", $"/{tenant}/dip/edisi", $"/{tenant}/dip/edisi/1" };
        pages.AddRange(planted.Select(p => $"/{tenant}/dip/item/{p.Item.ItemId}"));
        foreach (var unit in new[] { "BPKAD", "SETDA", "DISKOMINFO" }) pages.Add($"/{tenant}/dip?unit={unit}");
        foreach (var category in new[] { "berkala", "serta-merta", "setiap-saat", "dikecualikan" }) pages.Add($"/{tenant}/dip?kategori={category}");
        foreach (var term in new[] { "MRK", "a", "pdf", "Laporan", "umum" }) pages.Add($"/{tenant}/dip?q={term}");
        foreach (var format in new[] { "csv", "xlsx", "json", "pdf" })
        {
            pages.Add($"/{tenant}/dip/unduh.{format}");
            pages.Add($"/{tenant}/dip/edisi/1/unduh.{format}");
        }
        var outputs = new Dictionary<string, string>();
        foreach (var path in pages)
        {
            using var response = await web.GetAsync(path);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            outputs[path] = path.EndsWith(".xlsx", StringComparison.Ordinal) ? XlsxText(bytes)
                : path.EndsWith(".pdf", StringComparison.Ordinal) ? Encoding.Latin1.GetString(bytes) + "\n" + PdfText.Extract(bytes) // raw (metadata too) and the text as shown
                : Encoding.UTF8.GetString(bytes);
        }
        // Searching for a private marker finds nothing (the term itself is echoed in the search box).
        foreach (var marker in planted.SelectMany(p => p.Private).Take(10))
        {
            var page = await web.GetStringAsync($"/{tenant}/dip?q={marker}");
            page.ShouldContain("Menampilkan 0 dari");
        }
        foreach (var path in new[] { "/draft", "/editions", "/editions/1", "/newly-opened", "/overdue", "/editions/1/diff/1" })
        {
            using var response = await api.GetAsync("/api/v1/publication" + path);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
            outputs["api " + path] = await response.Content.ReadAsStringAsync();
        }
        return outputs;
    }

    private static string XlsxText(byte[] bytes)
    {
        using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        var text = new StringBuilder();
        foreach (var entry in zip.Entries)
        {
            using var reader = new StreamReader(entry.Open());
            text.Append(reader.ReadToEnd());
        }
        return text.ToString();
    }

    private static readonly string[] Words = ["anggaran", "laporan", "surat", "keputusan", "rahasia", "saksi", "kesehatan", "kontrak", "data", "pengadaan"];

    private static T Pick<T>(Random random, T[] options) => options[random.Next(options.Length)];
}
