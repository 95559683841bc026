using System.Globalization;
using System.Text;
using System.Text.Json;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Ppid.Contracts.Publication;
using Ppid.Platform.Documents;
using Ppid.Platform.EventSourcing;
using Ppid.Publication.Editions;

namespace Ppid.Publication.Site;

/// <summary>
/// Downloads of an edition (the one in force, or a numbered one): CSV, XLSX, JSON and PDF. Each
/// is made from the EditionPublished snapshot only, so it holds exactly the public content.
/// </summary>
public static class Exports
{
    public static async Task<IResult> DownloadAsync(string tenant, int? number, string format, EventStore store, CancellationToken ct)
    {
        var stored = number is { } n
            ? await EditionQueries.ByNumberAsync(store.DataSource, tenant, n, ct)
            : await EditionQueries.LatestAsync(store.DataSource, tenant, ct);
        if (stored is null) return Pages.NotFound(tenant, "Edisi tidak ditemukan", "Belum ada edisi yang dapat diunduh.");
        var name = $"dip-{tenant}-edisi-{stored.Edition.Number}";
        return format switch
        {
            "csv" => TypedResults.File(Csv(stored.Edition), "text/csv; charset=utf-8", name + ".csv"),
            "json" => TypedResults.File(Json(tenant, stored), "application/json", name + ".json"),
            "xlsx" => TypedResults.File(Xlsx(stored.Edition), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name + ".xlsx"),
            "pdf" => TypedResults.File(Pdf(tenant, stored.Edition), "application/pdf", name + ".pdf"),
            _ => Pages.NotFound(tenant, "Format tidak dikenal", "Unduhan tersedia dalam format csv, xlsx, json dan pdf."),
        };
    }

    private static readonly string[] Header =
    [
        "Daftar", "Nomor", "Judul", "Ringkasan isi", "Kategori", "Jangka berkala (bulan)", "Unit penguasa", "Penanggung jawab", "Tanggal pembuatan",
        "Tempat pembuatan", "Bentuk tersedia", "Kelas arsip", "Jangka waktu penyimpanan", "Nomor penetapan", "Baru dibuka",
        "Dasar pengecualian (Pasal 17)", "Dasar hukum", "Ringkasan uji konsekuensi", "Dikecualikan sampai",
    ];

    /// <summary>One row per DIP entry, then one per DIK entry (only the DIK's public columns filled).</summary>
    public static IEnumerable<string[]> Rows(EditionPublished e) =>
        e.Entries.Select(x => new[]
        {
            "DIP", Num(x.Number), x.Title, x.Summary, Html.CategoryName(x.Category), x.IntervalMonths is { } m ? Num(m) : "", x.HoldingUnit, x.ResponsibleOfficial,
            x.ProductionDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), x.ProductionPlace, Html.Forms(x.Forms), x.RecordClass, x.Retention,
            x.DecreeNumber, x.NewlyOpened ? "ya" : "tidak", "", "", "", "",
        }).Concat(e.Exemptions.Select(x => new[]
        {
            "DIK", Num(x.Number), x.Title, "", "Dikecualikan", "", x.HoldingUnit, "", "", "", "", "", "", x.DecreeNumber, "",
            x.Pasal17Letter + (x.Pasal17SubPoint is { } s ? " angka " + s : ""), x.LegalBasis, x.PublicSummary,
            x.ExemptUntil?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
        }));

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>RFC 4180 CSV in UTF-8 with a BOM (so spreadsheet programs read it as UTF-8).</summary>
    public static byte[] Csv(EditionPublished e)
    {
        var text = new StringBuilder();
        foreach (var row in Rows(e).Prepend(Header)) text.Append(string.Join(',', row.Select(CsvField))).Append("\r\n");
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    /// <summary>Quotes when needed; a leading =, +, - or @ gets an apostrophe so a spreadsheet never runs it as a formula.</summary>
    private static string CsvField(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@') value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public static byte[] Json(string tenant, StoredEdition stored)
    {
        var e = stored.Edition;
        return JsonSerializer.SerializeToUtf8Bytes(new
        {
            tenant, e.Number, e.EditionId, e.EffectiveDate, e.PublishedAt, e.ContentHash,
            contentHashRule = "SHA-256 (hex) of the canonical JSON (keys sorted, no whitespace) of {\"entries\": entries, \"exemptions\": exemptions}",
            e.Entries, e.Exemptions, e.RatificationIds, stored.LedgerRootHash, stored.LedgerPosition,
        }, EventJson.Options);
    }

    /// <summary>Two sheets, DIP and DIK, with inline strings (no shared-string table).</summary>
    public static byte[] Xlsx(EditionPublished e)
    {
        using var buffer = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(buffer, SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            workbook.Workbook = new Workbook();
            var sheets = workbook.Workbook.AppendChild(new Sheets());
            var rows = Rows(e).ToList();
            AddSheet(workbook, sheets, 1, "DIP", [Header[1..15], .. rows.Where(r => r[0] == "DIP").Select(r => r[1..15])]);
            AddSheet(workbook, sheets, 2, "DIK", [[Header[1], Header[2], Header[6], Header[13], .. Header[15..]],
                .. rows.Where(r => r[0] == "DIK").Select(r => new[] { r[1], r[2], r[6], r[13], r[15], r[16], r[17], r[18] })]);
            workbook.Workbook.Save();
        }
        return buffer.ToArray();
    }

    private static void AddSheet(WorkbookPart workbook, Sheets sheets, uint id, string name, IEnumerable<string[]> rows)
    {
        var part = workbook.AddNewPart<WorksheetPart>();
        var data = new SheetData();
        uint r = 1;
        foreach (var row in rows)
        {
            var xmlRow = new Row { RowIndex = r };
            foreach (var (value, c) in row.Select((v, c) => (v, c)))
            {
                xmlRow.AppendChild(new Cell
                {
                    CellReference = ColumnName(c) + r.ToString(CultureInfo.InvariantCulture),
                    DataType = CellValues.InlineString,
                    InlineString = new InlineString(new Text(value) { Space = SpaceProcessingModeValues.Preserve }),
                });
            }
            data.AppendChild(xmlRow);
            r++;
        }
        part.Worksheet = new Worksheet(data);
        sheets.AppendChild(new Sheet { Id = workbook.GetIdOfPart(part), SheetId = id, Name = name });
    }

    private static string ColumnName(int index) => index < 26 ? ((char)('A' + index)).ToString() : ColumnName(index / 26 - 1) + (char)('A' + index % 26);

    public static byte[] Pdf(string tenant, EditionPublished e)
    {
        const double Size = 9;
        var pdf = new PdfWriter($"Daftar Informasi Publik - PPID {tenant} - edisi {e.Number.ToString(CultureInfo.InvariantCulture)}")
            .Text($"Daftar Informasi Publik - PPID {tenant}", Size, bold: true)
            .Text($"Edisi {e.Number}, berlaku sejak {Html.Date(e.EffectiveDate)}; SHA-256 isi: {e.ContentHash}", Size)
            .Gap()
            .Text("Informasi publik", Size, bold: true);
        foreach (var x in e.Entries)
        {
            pdf.Text($"{x.Number}. {x.Title}", Size, bold: true)
                .Text($"   Ringkasan: {x.Summary}", Size)
                .Text($"   Kategori: {Html.CategoryName(x.Category)}{(x.IntervalMonths is { } m ? $" (setiap {m} bulan)" : "")}; unit: {x.HoldingUnit}; penanggung jawab: {x.ResponsibleOfficial}", Size)
                .Text($"   Dibuat {Html.Date(x.ProductionDate)} di {x.ProductionPlace}; bentuk: {Html.Forms(x.Forms)}; penyimpanan: {x.Retention}; penetapan: {x.DecreeNumber}{(x.NewlyOpened ? "; baru dibuka" : "")}", Size);
        }
        pdf.Gap().Text("Informasi yang dikecualikan", Size, bold: true);
        foreach (var x in e.Exemptions)
        {
            pdf.Text($"{x.Number}. {x.Title}", Size, bold: true)
                .Text($"   Unit: {x.HoldingUnit}; Pasal 17 huruf {x.Pasal17Letter}{(x.Pasal17SubPoint is { } s ? " angka " + s : "")}; dasar hukum: {x.LegalBasis}", Size)
                .Text($"   Uji konsekuensi: {x.PublicSummary}; sampai: {(x.ExemptUntil is { } u ? Html.Date(u) : "tidak ditentukan")}; penetapan: {x.DecreeNumber}", Size);
        }
        return pdf.ToBytes();
    }
}
