using System.Globalization;
using System.Text;
using Ppid.Contracts.Publication;

namespace Ppid.Archive.Editions;

/// <summary>
/// Renders an archived edition as a PDF document (A4, Bahasa Indonesia): the DIP entries with
/// fields a–g, the DIK, and the edition's content hash. Written directly as PDF 1.4 with the
/// standard Helvetica fonts (nothing embedded), so the same edition always gives the same bytes.
/// PDFsharp 6.5 was the plan, but it refuses to create a document until the application chooses
/// the AGPL or loads a commercial license, a decision for the project's owners, not this service.
/// </summary>
public static class EditionPdf
{
    public static byte[] Render(string tenant, EditionPublished edition)
    {
        var pdf = new SimplePdf();
        pdf.Line($"Daftar Informasi Publik - edisi {edition.Number}", 14, bold: true);
        pdf.Line($"Badan publik: {tenant}", 10);
        pdf.Line($"Berlaku sejak {Date(edition.EffectiveDate)}; diterbitkan {edition.PublishedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)} oleh {edition.PublishedBy}", 10);
        pdf.Line($"Hash isi (SHA-256): {edition.ContentHash}", 8);
        pdf.Gap();
        pdf.Line("Daftar Informasi Publik (DIP)", 12, bold: true);
        foreach (var e in edition.Entries)
        {
            pdf.Line($"{e.Number}. {e.Title} [{CategoryName(e.Category)}]", 10, bold: true);
            pdf.Line($"Ringkasan: {e.Summary}", 9);
            pdf.Line($"Penguasaan: {e.HoldingUnit}; penanggung jawab: {e.ResponsibleOfficial}", 9);
            pdf.Line($"Waktu dan tempat pembuatan: {Date(e.ProductionDate)}, {e.ProductionPlace}", 9);
            pdf.Line($"Bentuk: {string.Join(", ", e.Forms.Select(f => $"{f.Form} ({f.Format})"))}; retensi: {e.Retention} ({e.RecordClass}); SK {e.DecreeNumber}", 9);
        }
        pdf.Gap();
        pdf.Line("Daftar Informasi yang Dikecualikan (DIK)", 12, bold: true);
        foreach (var d in edition.Exemptions)
        {
            pdf.Line($"{d.Number}. {d.Title} - Pasal 17 huruf {d.Pasal17Letter}{(d.Pasal17SubPoint is null ? "" : " " + d.Pasal17SubPoint)}", 10, bold: true);
            pdf.Line($"Dasar hukum: {d.LegalBasis}; {d.PublicSummary}; dikecualikan sampai {(d.ExemptUntil is { } until ? Date(until) : "tidak terbatas")}; SK {d.DecreeNumber}", 9);
        }
        return pdf.ToBytes($"DIP edisi {edition.Number} - {tenant}");
    }

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string CategoryName(Contracts.Classification.Category c) => c switch
    {
        Contracts.Classification.Category.Berkala => "berkala",
        Contracts.Classification.Category.SertaMerta => "serta merta",
        Contracts.Classification.Category.SetiapSaat => "setiap saat",
        _ => "dikecualikan",
    };

    /// <summary>A minimal PDF writer: A4 pages of wrapped text lines in Helvetica (WinAnsi encoding).</summary>
    private sealed class SimplePdf
    {
        private const double Width = 595, Height = 842, Margin = 50;
        private static readonly Encoding WinAnsi = Encoding.Latin1;
        private readonly List<StringBuilder> _pages = [];
        private double _y = double.MaxValue;

        public void Gap() => _y -= 8;

        public void Line(string text, double size, bool bold = false)
        {
            // Helvetica's average glyph is about half its size wide: wrap conservatively.
            var maxChars = (int)((Width - 2 * Margin) / (size * 0.52));
            foreach (var piece in Wrap(text, maxChars))
            {
                if (_pages.Count == 0 || _y - size * 1.4 < Margin) NewPage();
                _y -= size * 1.4;
                _pages[^1].Append(CultureInfo.InvariantCulture, $"BT /{(bold ? "F2" : "F1")} {size} Tf {Margin} {_y:0.##} Td ({Escape(piece)}) Tj ET\n");
            }
        }

        private void NewPage()
        {
            _pages.Add(new StringBuilder());
            _y = Height - Margin;
        }

        private static IEnumerable<string> Wrap(string text, int maxChars)
        {
            var line = new StringBuilder();
            foreach (var word in text.Split(' '))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > maxChars)
                {
                    yield return line.ToString();
                    line.Clear();
                }
                if (line.Length > 0) line.Append(' ');
                line.Append(word);
            }
            if (line.Length > 0) yield return line.ToString();
        }

        private static string Escape(string text)
        {
            var s = new StringBuilder(text.Length);
            foreach (var c in text)
            {
                if (c is '(' or ')' or '\\') s.Append('\\').Append(c);
                else if (c < 32) s.Append(' ');
                else s.Append(c <= 255 ? c : '?'); // outside Latin-1 the standard fonts have no glyph
            }
            return s.ToString();
        }

        public byte[] ToBytes(string title)
        {
            if (_pages.Count == 0) NewPage();
            var objects = new List<string>
            {
                "<< /Type /Catalog /Pages 2 0 R >>",
                "", // pages, filled below
                "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
                "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
                $"<< /Title ({Escape(title)}) /Producer (PPID Suite arsip) >>",
            };
            var kids = new List<string>();
            foreach (var page in _pages)
            {
                var content = page.ToString();
                objects.Add($"<< /Length {WinAnsi.GetByteCount(content)} >>\nstream\n{content}endstream");
                objects.Add(FormattableString.Invariant($"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {Width} {Height}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {objects.Count} 0 R >>"));
                kids.Add($"{objects.Count} 0 R");
            }
            objects[1] = $"<< /Type /Pages /Kids [{string.Join(" ", kids)}] /Count {kids.Count} >>";

            using var output = new MemoryStream();
            void Write(string s) { var b = WinAnsi.GetBytes(s); output.Write(b, 0, b.Length); }
            Write("%PDF-1.4\n");
            var offsets = new List<long>();
            for (var i = 0; i < objects.Count; i++)
            {
                offsets.Add(output.Position);
                Write($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
            }
            var xref = output.Position;
            Write($"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
            foreach (var offset in offsets) Write($"{offset:D10} 00000 n \n");
            Write($"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n");
            return output.ToArray();
        }
    }
}
