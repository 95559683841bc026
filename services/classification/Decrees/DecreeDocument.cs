using System.Globalization;
using System.Net;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using Ppid.Classification.Classifications;
using Ppid.Contracts.Classification;

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
    /// A4 PDF. Text is WinAnsi-encoded and content streams are left uncompressed, so the text can be
    /// read back (tests do) and searched with ordinary tools; the font (DejaVu Sans) is embedded.
    /// </summary>
    public byte[] ToPdf()
    {
        DecreeFonts.Register();
        using var document = new PdfDocument();
        document.Options.CompressContentStreams = false;
        document.Info.Title = $"{Title} {Number}";
        var options = new XPdfFontOptions(PdfFontEncoding.WinAnsi);
        var regular = new XFont(DecreeFonts.Family, 10, XFontStyleEx.Regular, options);
        var bold = new XFont(DecreeFonts.Family, 10, XFontStyleEx.Bold, options);
        var heading = new XFont(DecreeFonts.Family, 13, XFontStyleEx.Bold, options);
        var writer = new PdfWriter(document);
        writer.Paragraph(Title, heading);
        writer.Paragraph(Number, bold);
        writer.Paragraph(Subject, regular);
        writer.Space();
        foreach (var part in Parts)
        {
            writer.Paragraph(part.Label, bold);
            writer.Paragraph(part.Text, regular);
            writer.Space();
        }
        writer.Paragraph(PlaceAndDate, regular);
        writer.Space();
        writer.Paragraph(PpidSignatory, regular);
        writer.Space();
        writer.Paragraph(AtasanSignatory, regular);
        writer.Dispose();
        using var stream = new MemoryStream();
        document.Save(stream);
        return stream.ToArray();
    }

    /// <summary>Lays paragraphs out top to bottom, wrapping at spaces, starting a page when one is full.</summary>
    private sealed class PdfWriter(PdfDocument document) : IDisposable
    {
        private const double Margin = 56;
        private XGraphics? _gfx;
        private PdfPage? _page;
        private double _y;

        public void Space() => _y += 6;

        public void Paragraph(string text, XFont font)
        {
            EnsurePage();
            var width = _page!.Width.Point - (2 * Margin);
            var lineHeight = font.GetHeight() * 1.2;
            foreach (var line in Wrap(text, font, width))
            {
                if (_y + lineHeight > _page.Height.Point - Margin) NewPage();
                _gfx!.DrawString(line, font, XBrushes.Black, new XPoint(Margin, _y), XStringFormats.TopLeft);
                _y += lineHeight;
            }
        }

        private IEnumerable<string> Wrap(string text, XFont font, double width)
        {
            var line = new StringBuilder();
            foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = line.Length == 0 ? word : $"{line} {word}";
                if (line.Length > 0 && _gfx!.MeasureString(candidate, font).Width > width)
                {
                    yield return line.ToString();
                    line.Clear().Append(word);
                }
                else line.Clear().Append(candidate);
            }
            if (line.Length > 0) yield return line.ToString();
        }

        private void EnsurePage()
        {
            if (_page is null) NewPage();
        }

        private void NewPage()
        {
            _gfx?.Dispose();
            _page = document.AddPage();
            _page.Size = PdfSharp.PageSize.A4;
            _gfx = XGraphics.FromPdfPage(_page);
            _y = Margin;
        }

        public void Dispose() => _gfx?.Dispose();
    }
}

/// <summary>
/// The decree's font, DejaVu Sans (free license, Decrees/Fonts/DejaVu-LICENSE.txt), embedded in the
/// assembly so a PDF renders the same on any machine without system fonts.
/// </summary>
public sealed class DecreeFonts : IFontResolver
{
    public const string Family = "DejaVu Sans";

    private static readonly Lazy<bool> Registered = new(() =>
    {
        GlobalFontSettings.FontResolver = new DecreeFonts();
        return true;
    });

    public static void Register() => _ = Registered.Value;

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        string.Equals(familyName, Family, StringComparison.OrdinalIgnoreCase)
            ? new FontResolverInfo(bold ? "DejaVuSans-Bold" : "DejaVuSans", false, italic)
            : null;

    public byte[]? GetFont(string faceName)
    {
        using var stream = typeof(DecreeFonts).Assembly.GetManifestResourceStream($"Ppid.Classification.Decrees.Fonts.{faceName}.ttf")
            ?? throw new InvalidOperationException($"The embedded font {faceName}.ttf is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
