using System.Globalization;
using System.Net;
using System.Text;
using Ppid.Classification.Classifications;
using Ppid.Contracts.Classification;
using Ppid.Platform.Documents;

namespace Ppid.Classification.Decrees;

/// <summary>One labelled part of the decree (label and text, both Bahasa Indonesia).</summary>
public sealed record DecreePart(string Label, string Text);

/// <summary>
/// The determination of exempt information (penetapan informasi yang dikecualikan): the consequence
/// test with all its contents, the decree's number, place and date, and its signatories. Built
/// once and rendered to HTML and PDF, so both carry the same text.
/// </summary>
public sealed record DecreeContent(
    string Title,
    string Number,
    string Subject,
    IReadOnlyList<DecreePart> Parts,
    string PlaceAndDate,
    string PpidSignatory,
    string AtasanSignatory)
{
    private static readonly string[] Months =
        ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];

    /// <summary>A date as written in Indonesian decrees: 31 Desember 2029.</summary>
    public static string Date(DateOnly date) => $"{date.Day.ToString(CultureInfo.InvariantCulture)} {Months[date.Month - 1]} {date.Year.ToString(CultureInfo.InvariantCulture)}";

    public static DecreeContent From(ClassificationState state, string itemTitle)
    {
        var test = state.Proposal!.ConsequenceTest ?? throw new InvalidOperationException("Only an exempt classification has a decree of exemption.");
        var decree = state.Decree ?? throw new InvalidOperationException("The classification has no determination yet.");
        var basis = $"Pasal 17 huruf {test.Pasal17Letter}{(test.Pasal17SubPoint is null ? "" : $" angka {test.Pasal17SubPoint}")} Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik";
        var parts = new List<DecreePart>
        {
            new("Informasi yang diuji", itemTitle),
            new("Bagian yang dikecualikan", test.WholeDocument ? $"Seluruh dokumen. Alasan: {test.WholeDocumentReason}" : test.ExemptPart),
            new("Dasar pengecualian", basis),
            new("Dasar hukum", test.LegalBasis),
            new("Konsekuensi apabila informasi dibuka", test.ConsequenceIfOpened),
            new("Konsekuensi apabila informasi ditutup", test.ConsequenceIfClosed),
            new("Pertimbangan kepentingan publik", test.PublicInterestBalance),
            new("Jangka waktu pengecualian", test.ExemptUntil is { } until
                ? $"Sampai dengan tanggal {Date(until)}"
                : "Tanpa batas waktu (Pasal 20 ayat (2) UU 14/2008, huruf g sampai j)"),
            new("Catatan penghitaman", test.RedactionNotes ?? "Tidak ada: seluruh dokumen dikecualikan."),
            new("Ringkasan untuk publik", test.PublicSummary),
            new("Alasan klasifikasi", state.Proposal.Rationale),
        };
        var atasan = state.RatifiedBy is { } by && state.RatifiedAt is { } at
            ? $"Menyetujui, Atasan PPID: {by}, tanggal {Date(ClassificationCommands.Today(at))}"
            : "Menyetujui, Atasan PPID: (belum disahkan)";
        return new DecreeContent(
            "PENETAPAN INFORMASI YANG DIKECUALIKAN",
            $"Nomor: {decree.Number}",
            $"Uji Konsekuensi atas informasi \"{itemTitle}\"",
            parts,
            $"Ditetapkan di {decree.Place} pada tanggal {Date(decree.Date)}",
            $"Pejabat Pengelola Informasi dan Dokumentasi (PPID): {decree.PpidName} ({decree.PpidId})",
            atasan);
    }

    public string ToHtml()
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(E(Title)).Append(' ').Append(E(Number)).Append("</title>\n")
            .Append("<style>body{font-family:sans-serif;max-width:48rem;margin:2rem auto;line-height:1.5}dt{font-weight:bold;margin-top:.75rem}dd{margin-left:0}</style>\n")
            .Append("</head>\n<body>\n<h1>").Append(E(Title)).Append("</h1>\n<p>").Append(E(Number)).Append("</p>\n<p>").Append(E(Subject)).Append("</p>\n<dl>\n");
        foreach (var part in Parts) html.Append("<dt>").Append(E(part.Label)).Append("</dt><dd>").Append(E(part.Text)).Append("</dd>\n");
        html.Append("</dl>\n<p>").Append(E(PlaceAndDate)).Append("</p>\n<p>").Append(E(PpidSignatory)).Append("</p>\n<p>").Append(E(AtasanSignatory)).Append("</p>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>
    /// A4 PDF through the platform's writer (standard Helvetica, WinAnsi, uncompressed), so the text
    /// can be read back (tests do) and searched with ordinary tools.
    /// </summary>
    public byte[] ToPdf()
    {
        var pdf = new PdfWriter($"{Title} {Number}");
        pdf.Heading(Title).Text(Number, bold: true).Text(Subject).Gap();
        foreach (var part in Parts) pdf.Field(part.Label, part.Text).Gap();
        pdf.Text(PlaceAndDate).Gap().Text(PpidSignatory).Gap().Text(AtasanSignatory);
        return pdf.ToBytes();
    }
}
