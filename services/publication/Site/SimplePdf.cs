using System.Globalization;
using System.Text;

namespace Ppid.Publication.Site;

/// <summary>
/// A minimal PDF 1.4 writer for the DIP download: A4 pages of text in the standard Helvetica
/// fonts (WinAnsi), with UNCOMPRESSED content streams, so any reader (and the security test)
/// can find every string in the file as written. PDFsharp 6.5 needs a TrueType font file it can
/// resolve on the machine (none is guaranteed on a fresh Debian) and writes glyph ids, not text;
/// this writer needs neither.
/// </summary>
public static class SimplePdf
{
    private const int PageWidth = 595, PageHeight = 842, Margin = 40, FontSize = 9, Leading = 12, MaxChars = 110;
    private static readonly Encoding Latin1 = Encoding.Latin1;

    public static byte[] Write(IEnumerable<(string Text, bool Bold)> lines)
    {
        var wrapped = lines.SelectMany(l => Wrap(l.Text).Select(t => (t, l.Bold))).ToList();
        var perPage = (PageHeight - 2 * Margin) / Leading;
        var pages = wrapped.Chunk(perPage).ToList();
        if (pages.Count == 0) pages.Add([]);

        var objects = new List<string>
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "", // pages, filled below
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        };
        var kids = new List<int>();
        foreach (var page in pages)
        {
            var content = new StringBuilder();
            content.Append(CultureInfo.InvariantCulture, $"BT {Leading} TL {Margin} {PageHeight - Margin} Td\n");
            foreach (var (text, bold) in page)
                content.Append(CultureInfo.InvariantCulture, $"/{(bold ? "F2" : "F1")} {FontSize} Tf ({Escape(text)}) Tj T*\n");
            content.Append("ET");
            var stream = content.ToString();
            objects.Add($"<< /Length {Latin1.GetByteCount(stream)} >>\nstream\n{stream}\nendstream");
            var contentId = objects.Count;
            objects.Add($"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PageWidth} {PageHeight}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {contentId} 0 R >>");
            kids.Add(objects.Count);
        }
        objects[1] = $"<< /Type /Pages /Kids [{string.Join(" ", kids.Select(k => $"{k} 0 R"))}] /Count {kids.Count} >>";

        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(Latin1.GetByteCount(pdf.ToString()));
            pdf.Append(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = Latin1.GetByteCount(pdf.ToString());
        pdf.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets) pdf.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        pdf.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Latin1.GetBytes(pdf.ToString());
    }

    /// <summary>Breaks at spaces so words (and test markers) stay whole; characters outside Latin-1 become '?'.</summary>
    private static IEnumerable<string> Wrap(string text)
    {
        text = new string([.. text.Select(c => c is >= ' ' and <= '\u00ff' ? c : c is '\n' or '\r' or '\t' ? ' ' : '?')]);
        if (text.Length == 0) { yield return ""; yield break; }
        var line = new StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > MaxChars) { yield return line.ToString(); line.Clear(); }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0) yield return line.ToString();
    }

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("(", "\\(", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal);
}
