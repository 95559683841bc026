using System.Net;
using System.Text.Json.Nodes;
using AngleSharp.Html.Parser;
using Ppid.Testing;

namespace Ppid.Classification.Tests;

/// <summary>The determination of exempt information, downloaded as PDF and HTML and read back.</summary>
public sealed class DecreeTests(ApiWithRegistry api) : IClassFixture<ApiWithRegistry>
{
    private readonly Cycle _cycle = new(api);

    /// <summary>Every part the decree must carry, as the test's proposal and determination wrote it.</summary>
    private static readonly string[] RequiredParts =
    [
        "PENETAPAN INFORMASI YANG DIKECUALIKAN",
        "Nomor: 188.4/012/PPID/2027",
        "Laporan hasil audit investigatif 2026",
        "Lampiran II: identitas saksi dan pelapor",
        "Pasal 17 huruf a angka 2 Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik",
        "Pasal 17 huruf a angka 2 UU 14/2008; UU 31/2014 tentang Perlindungan Saksi dan Korban",
        "Konsekuensi apabila informasi dibuka",
        "Membahayakan keselamatan saksi dan pelapor.",
        "Konsekuensi apabila informasi ditutup",
        "Publik tidak mengetahui identitas saksi; temuan audit tetap dibuka.",
        "Pertimbangan kepentingan publik",
        "Perlindungan saksi lebih besar daripada kepentingan publik atas identitasnya.",
        "Sampai dengan tanggal 31 Desember 2029",
        "Nama, alamat dan NIK saksi dihitamkan di halaman 12–14.",
        "Identitas saksi dan pelapor dalam laporan audit.",
        "Ditetapkan di Muara Sabak pada tanggal 10 Maret 2027",
        "Drs. Ahmad Fauzi, M.Si. (ppid-1)",
        "Menyetujui, Atasan PPID: atasan-1, tanggal 10 Maret 2027",
    ];

    private async Task<Guid> RatifiedExemptionAsync()
    {
        var item = await api.RegisterItemAsync(title: "Laporan hasil audit investigatif 2026");
        var (id, _) = await _cycle.RatifiedAsync(Api.Proposal(item, "dikecualikan"));
        return id;
    }

    [Fact]
    public async Task The_pdf_carries_every_part_of_the_consequence_test_and_the_decree()
    {
        var id = await RatifiedExemptionAsync();
        using var client = api.Ppid();

        using var response = await client.GetAsync($"{Api.Classifications}/{id}/decree.pdf");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/pdf");
        var pdf = await response.Content.ReadAsByteArrayAsync();
        System.Text.Encoding.ASCII.GetString(pdf, 0, 5).ShouldBe("%PDF-");
        var text = PdfText.Extract(pdf);
        foreach (var part in RequiredParts) text.ShouldContain(part, Case.Sensitive, $"the PDF lacks '{part}'");
    }

    [Fact]
    public async Task The_html_carries_the_same_parts_in_Bahasa_Indonesia()
    {
        var id = await RatifiedExemptionAsync();
        using var client = api.Ppid();

        using var response = await client.GetAsync($"{Api.Classifications}/{id}/decree.html");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var document = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        document.DocumentElement.GetAttribute("lang").ShouldBe("id");
        var text = string.Join(" ", document.Body!.TextContent.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        foreach (var part in RequiredParts) text.ShouldContain(part, Case.Sensitive, $"the HTML lacks '{part}'");
    }

    [Fact]
    public async Task There_is_no_decree_before_determination_nor_for_open_information()
    {
        var item = await api.RegisterItemAsync();
        var (agreed, _) = await _cycle.AgreedAsync(Api.Proposal(item, "dikecualikan"));
        using var client = api.Ppid();
        using (var r = await client.GetAsync($"{Api.Classifications}/{agreed}/decree.pdf"))
            (await r.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("type").GetString()!.ShouldEndWith("not-determined");

        var open = await api.RegisterItemAsync();
        var (berkala, _) = await _cycle.RatifiedAsync(Api.Proposal(open, "berkala"));
        using (var r = await client.GetAsync($"{Api.Classifications}/{berkala}/decree.html"))
            (await r.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("type").GetString()!.ShouldEndWith("not-exempt");

        using var other = api.Client("ppid", "ppid-1", "tenant-b");
        (await other.GetAsync($"{Api.Classifications}/{agreed}/decree.pdf")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
