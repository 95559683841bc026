using System.Globalization;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using Ppid.Contracts.Publication;

namespace Ppid.Archive.Editions;

/// <summary>
/// Renders an archived edition as a PDF document (A4, Bahasa Indonesia): the DIP entries with
/// fields a–g, the DIK, and the edition's content hash. The font is the Segoe WP face shipped
/// inside PDFsharp, so rendering needs no system fonts.
/// </summary>
public static class EditionPdf
{
    private const string Family = "SegoeWP";
    private static readonly Lock Setup = new();

    public static byte[] Render(string tenant, EditionPublished edition)
    {
        EnsureFonts();
        using var document = new PdfDocument();
        document.Info.Title = $"DIP edisi {edition.Number} — {tenant}";
        document.Info.Author = "PPID Suite (arsip)";
        // A fixed creation date keeps the document a function of the edition alone.
        document.Info.CreationDate = edition.PublishedAt.UtcDateTime;
        var writer = new PageWriter(document);
        writer.Line($"Daftar Informasi Publik — edisi {edition.Number}", 14, bold: true);
        writer.Line($"Badan publik: {tenant}", 10);
        writer.Line($"Berlaku sejak: {edition.EffectiveDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}; diterbitkan {edition.PublishedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)} oleh {edition.PublishedBy}", 10);
        writer.Line($"Hash isi (SHA-256): {edition.ContentHash}", 8);
        writer.Gap();
        writer.Line("Daftar Informasi Publik (DIP)", 12, bold: true);
        foreach (var e in edition.Entries)
        {
            writer.Line($"{e.Number}. {e.Title} [{CategoryName(e.Category)}]", 10, bold: true);
            writer.Line($"Ringkasan: {e.Summary}", 9);
            writer.Line($"Penguasaan: {e.HoldingUnit}; penanggung jawab: {e.ResponsibleOfficial}", 9);
            writer.Line($"Waktu dan tempat pembuatan: {e.ProductionDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}, {e.ProductionPlace}", 9);
            writer.Line($"Bentuk: {string.Join(", ", e.Forms.Select(f => $"{f.Form} ({f.Format})"))}; retensi: {e.Retention} ({e.RecordClass}); SK {e.DecreeNumber}", 9);
        }
        writer.Gap();
        writer.Line("Daftar Informasi yang Dikecualikan (DIK)", 12, bold: true);
        foreach (var d in edition.Exemptions)
        {
            writer.Line($"{d.Number}. {d.Title} — Pasal 17 huruf {d.Pasal17Letter}{(d.Pasal17SubPoint is null ? "" : " " + d.Pasal17SubPoint)}", 10, bold: true);
            writer.Line($"Dasar hukum: {d.LegalBasis}; {d.PublicSummary}; dikecualikan sampai {d.ExemptUntil?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "tidak terbatas"}; SK {d.DecreeNumber}", 9);
        }
        writer.Finish();
        using var stream = new MemoryStream();
        document.Save(stream, false);
        return stream.ToArray();
    }

    private static string CategoryName(Contracts.Classification.Category c) => c switch
    {
        Contracts.Classification.Category.Berkala => "berkala",
        Contracts.Classification.Category.SertaMerta => "serta merta",
        Contracts.Classification.Category.SetiapSaat => "setiap saat",
        _ => "dikecualikan",
    };

    private static void EnsureFonts()
    {
        lock (Setup)
        {
            if (GlobalFontSettings.FontResolver is not BundledFontResolver) GlobalFontSettings.FontResolver = new BundledFontResolver();
        }
    }

    private sealed class PageWriter(PdfDocument document)
    {
        private const double Margin = 50;
        private PdfPage? _page;
        private XGraphics? _graphics;
        private double _y;

        public void Gap() => _y += 8;

        public void Finish() => _graphics?.Dispose();

        public void Line(string text, double size, bool bold = false)
        {
            var font = new XFont(Family, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular);
            foreach (var piece in Wrap(text, font))
            {
                if (_graphics is null || _y + size * 1.4 > _page!.Height.Point - Margin) NewPage();
                _graphics!.DrawString(piece, font, XBrushes.Black, new XPoint(Margin, _y + size));
                _y += size * 1.4;
            }
        }

        private IEnumerable<string> Wrap(string text, XFont font)
        {
            if (_graphics is null) NewPage();
            var width = _page!.Width.Point - 2 * Margin;
            var line = "";
            foreach (var word in text.Split(' '))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (line.Length > 0 && _graphics!.MeasureString(candidate, font).Width > width)
                {
                    yield return line;
                    line = word;
                }
                else line = candidate;
            }
            if (line.Length > 0) yield return line;
        }

        private void NewPage()
        {
            _graphics?.Dispose();
            _page = document.AddPage();
            _page.Size = PdfSharp.PageSize.A4;
            _graphics = XGraphics.FromPdfPage(_page);
            _y = Margin;
        }
    }

    private sealed class BundledFontResolver : IFontResolver
    {
        public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
            new(bold ? "SegoeWP-Bold" : "SegoeWP");

        public byte[]? GetFont(string faceName) =>
            faceName == "SegoeWP-Bold" ? PdfSharp.WPFonts.FontDataHelper.SegoeWPBold : PdfSharp.WPFonts.FontDataHelper.SegoeWP;
    }
}
