using System.Text;
using Ppid.Platform.Documents;
using Ppid.Testing;

namespace Ppid.Platform.Tests.Documents;

public sealed class PdfWriterTests
{
    private static string Raw(byte[] pdf) => Encoding.Latin1.GetString(pdf);

    [Fact]
    public void Parentheses_and_backslashes_are_escaped_and_read_back_as_written()
    {
        var pdf = new PdfWriter().Text("Judul (penting) \\ akhir", bold: true).ToBytes();

        Raw(pdf).ShouldContain("(Judul \\(penting\\) \\\\ akhir) Tj");
        PdfText.Extract(pdf).ShouldBe("Judul (penting) \\ akhir");
    }

    [Fact]
    public void Indonesian_and_WinAnsi_punctuation_round_trip_and_other_characters_become_question_marks()
    {
        const string text = "Keputusan “Atasan PPID” – pasal 17 — rapat café, Rp 1.000 € ‘ok’";
        var pdf = new PdfWriter().Text(text).Text("Aksara Jawa ꦲ dan 中文 dan emoji 🙂").ToBytes();

        var read = PdfText.Extract(pdf);
        read.ShouldStartWith(text);
        read.ShouldEndWith("Aksara Jawa ? dan ?? dan emoji ??"); // a surrogate pair is two characters, two '?'
        Raw(pdf).ShouldContain("(Keputusan \u0093Atasan PPID\u0094 \u0096 pasal 17"); // WinAnsi codes 0x93, 0x94, 0x96
    }

    [Fact]
    public void Control_characters_become_spaces_so_a_line_never_breaks_the_content_stream()
    {
        var pdf = new PdfWriter().Text("baris satu\nbaris\tdua").ToBytes();

        PdfText.Extract(pdf).ShouldBe("baris satu baris dua");
    }

    [Fact]
    public void Long_text_wraps_at_spaces_within_the_page_width_and_reads_back_whole()
    {
        var words = string.Join(' ', Enumerable.Range(1, 200).Select(i => $"kata{i}"));
        var pdf = new PdfWriter().Text(words).ToBytes();

        var lines = PdfWriter.Wrap(words, PdfWriter.BodySize, bold: false);
        lines.Count.ShouldBeGreaterThan(5);
        lines.ShouldAllBe(l => PdfWriter.Width(l, PdfWriter.BodySize, false) <= 495);
        lines.ShouldAllBe(l => !l.StartsWith(' ') && !l.EndsWith(' '));
        PdfText.Extract(pdf).ShouldBe(words); // lines are joined by a space on read-back: nothing lost
    }

    [Fact]
    public void A_word_wider_than_the_line_is_split_rather_than_run_off_the_page()
    {
        var word = new string('W', 200);

        var lines = PdfWriter.Wrap("awal " + word + " akhir", PdfWriter.BodySize, bold: true);

        lines[0].ShouldBe("awal");
        lines.Count.ShouldBeGreaterThan(3);
        string.Concat(lines.Skip(1)).Replace(" ", "", StringComparison.Ordinal).ShouldBe(word + "akhir");
        lines.ShouldAllBe(l => PdfWriter.Width(l, PdfWriter.BodySize, true) <= 495);
    }

    [Fact]
    public void Many_lines_go_onto_several_pages_in_order()
    {
        var writer = new PdfWriter("Uji halaman");
        for (var i = 1; i <= 150; i++) writer.Text($"baris {i}");
        var pdf = writer.ToBytes();

        writer.PageCount.ShouldBeGreaterThanOrEqualTo(3);
        Raw(pdf).ShouldContain($"/Count {writer.PageCount}");
        PdfText.Extract(pdf).ShouldBe(string.Join(' ', Enumerable.Range(1, 150).Select(i => $"baris {i}")));
    }

    [Fact]
    public void The_same_calls_give_the_same_bytes_and_a_well_formed_file()
    {
        static byte[] Write() => new PdfWriter("Dokumen").Heading("JUDUL").Field("Label", "Nilai").Gap().Text("akhir").ToBytes();

        var pdf = Write();

        Write().ShouldBe(pdf);
        var raw = Raw(pdf);
        raw.ShouldStartWith("%PDF-1.4\n");
        raw.ShouldEndWith("%%EOF\n");
        PdfText.Extract(pdf).ShouldBe("JUDUL Label Nilai akhir");
        // startxref points at the cross-reference table, whose entries point at their objects.
        var xref = int.Parse(raw[(raw.LastIndexOf("startxref\n", StringComparison.Ordinal) + 10)..].Split('\n')[0], System.Globalization.CultureInfo.InvariantCulture);
        raw[xref..].ShouldStartWith("xref\n");
        var entries = raw[xref..].Split('\n').Skip(3).TakeWhile(l => l.EndsWith(" n ", StringComparison.Ordinal)).ToList();
        entries.Count.ShouldBeGreaterThan(5);
        for (var i = 0; i < entries.Count; i++)
            raw[int.Parse(entries[i][..10], System.Globalization.CultureInfo.InvariantCulture)..].ShouldStartWith($"{i + 1} 0 obj\n");
    }

    [Fact]
    public void An_empty_document_is_still_one_valid_page()
    {
        var writer = new PdfWriter();
        var pdf = writer.ToBytes();

        writer.PageCount.ShouldBe(1);
        Raw(pdf).ShouldContain("/Count 1");
        PdfText.Extract(pdf).ShouldBe("");
    }
}
