using System.Globalization;
using System.Text;

namespace Ppid.Platform.Documents;

/// <summary>
/// The suite's one PDF writer: A4 pages of wrapped text lines in the standard Helvetica fonts,
/// written directly as PDF 1.4. Why not a library: PDFsharp 6.5 (the only version this NuGet copy
/// has) is AGPL-3.0-only and refuses to run until the application adopts the AGPL or loads a
/// commercial key, a licence decision for the project's owners.
/// <list type="bullet">
/// <item>Deterministic: the same calls give the same bytes (no dates, no ids), so archived
/// documents can be hashed.</item>
/// <item>Readable back: content streams are uncompressed and every line is one literal string
/// shown with <c>Tj</c>, so tests (tests/Ppid.Testing/PdfText.cs) and ordinary tools find the
/// text as written.</item>
/// <item>Text is WinAnsi (<see cref="WinAnsi"/>): Indonesian text, Latin-1 and the typographic
/// quotes and dashes are kept; any other character is written as '?'. Nothing is embedded.</item>
/// <item>Wrapping breaks at spaces using Helvetica's real glyph widths; a word wider than the
/// line is split.</item>
/// </list>
/// </summary>
public sealed class PdfWriter
{
    public const double BodySize = 10, HeadingSize = 13;
    private const double PageWidth = 595, PageHeight = 842, Margin = 50, LineSpacing = 1.3;
    private const double TextWidth = PageWidth - 2 * Margin;

    private readonly string? _title;
    private readonly List<StringBuilder> _pages = [];
    private double _y;

    /// <param name="title">The document's title in its metadata (optional).</param>
    public PdfWriter(string? title = null) => _title = title;

    /// <summary>Pages the document has so far (an empty document still has one).</summary>
    public int PageCount => Math.Max(1, _pages.Count);

    /// <summary>A paragraph: wrapped to the page width, continuing on a new page when one is full.</summary>
    public PdfWriter Text(string text, double size = BodySize, bool bold = false)
    {
        foreach (var line in Wrap(text, size, bold))
        {
            var height = size * LineSpacing;
            if (_pages.Count == 0 || _y - height < Margin) NewPage();
            _y -= height;
            _pages[^1].Append(CultureInfo.InvariantCulture, $"BT /{(bold ? "F2" : "F1")} {Number(size)} Tf {Number(Margin)} {Number(_y)} Td (")
                .Append(Escape(line)).Append(") Tj ET\n");
        }
        return this;
    }

    public PdfWriter Heading(string text) => Text(text, HeadingSize, bold: true);

    /// <summary>A labelled value: the label in bold on its own line, the value below it.</summary>
    public PdfWriter Field(string label, string value, double size = BodySize) => Text(label, size, bold: true).Text(value, size);

    /// <summary>Vertical space between blocks.</summary>
    public PdfWriter Gap(double points = 8)
    {
        _y -= points;
        return this;
    }

    public byte[] ToBytes()
    {
        if (_pages.Count == 0) NewPage();
        var objects = new List<string>
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "", // the page tree, once the pages' object numbers are known
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
            $"<< /Title ({Escape(_title ?? "")}) /Producer (PPID Suite) >>",
        };
        var kids = new List<string>();
        foreach (var page in _pages)
        {
            var content = page.ToString();
            objects.Add($"<< /Length {content.Length.ToString(CultureInfo.InvariantCulture)} >>\nstream\n{content}endstream");
            objects.Add($"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {Number(PageWidth)} {Number(PageHeight)}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {objects.Count.ToString(CultureInfo.InvariantCulture)} 0 R >>");
            kids.Add($"{objects.Count.ToString(CultureInfo.InvariantCulture)} 0 R");
        }
        objects[1] = $"<< /Type /Pages /Kids [{string.Join(" ", kids)}] /Count {kids.Count.ToString(CultureInfo.InvariantCulture)} >>";

        // Every string above is already WinAnsi bytes, one char each (Escape encoded the text).
        using var output = new MemoryStream();
        void Write(string s) => output.Write(Encoding.Latin1.GetBytes(s));
        Write("%PDF-1.4\n");
        var offsets = new List<long>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(output.Position);
            Write(FormattableString.Invariant($"{i + 1} 0 obj\n{objects[i]}\nendobj\n"));
        }
        var xref = output.Position;
        Write(FormattableString.Invariant($"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n"));
        foreach (var offset in offsets) Write(FormattableString.Invariant($"{offset:D10} 00000 n \n"));
        Write(FormattableString.Invariant($"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n"));
        return output.ToArray();
    }

    private void NewPage()
    {
        _pages.Add(new StringBuilder());
        _y = PageHeight - Margin;
    }

    /// <summary>Splits at spaces into lines no wider than the text width; an empty text is one empty line.</summary>
    internal static List<string> Wrap(string text, double size, bool bold)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in WinAnsi.Decode(WinAnsi.Encode(text)).Split(' '))
        {
            var piece = word;
            while (Width(piece, size, bold) > TextWidth) // a word wider than the line: split it
            {
                if (line.Length > 0) { lines.Add(line.ToString()); line.Clear(); }
                var fits = 1;
                while (Width(piece[..(fits + 1)], size, bold) <= TextWidth) fits++;
                lines.Add(piece[..fits]);
                piece = piece[fits..];
            }
            if (line.Length > 0 && Width($"{line} {piece}", size, bold) > TextWidth) { lines.Add(line.ToString()); line.Clear(); }
            if (line.Length > 0) line.Append(' ');
            line.Append(piece);
        }
        if (line.Length > 0 || lines.Count == 0) lines.Add(line.ToString());
        return lines;
    }

    /// <summary>A literal string's body: WinAnsi bytes (as Latin-1 chars), with ( ) \ escaped.</summary>
    internal static string Escape(string text)
    {
        var s = new StringBuilder(text.Length);
        foreach (var b in WinAnsi.Encode(text))
        {
            if (b is (byte)'(' or (byte)')' or (byte)'\\') s.Append('\\');
            s.Append((char)b);
        }
        return s.ToString();
    }

    /// <summary>The width in points of WinAnsi text in Helvetica (or Helvetica-Bold) at the size.</summary>
    internal static double Width(string text, double size, bool bold)
    {
        var widths = bold ? HelveticaMetrics.Bold : HelveticaMetrics.Regular;
        return text.Sum(c => (double)widths[WinAnsi.Encode(c)]) * size / 1000;
    }

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
