using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Ppid.Registry.Tests;

/// <summary>Spreadsheets made in code for the import tests: CSV text and real XLSX workbooks (DocumentFormat.OpenXml).</summary>
public static class ImportFiles
{
    public const string Imports = "/api/v1/registry/imports";
    public const string XlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>The Indonesian headers of a DIP spreadsheet, with a "No." column the import ignores.</summary>
    public static readonly string[] Headers =
        ["No.", "Judul", "Ringkasan Isi", "Unit Penguasa", "Penanggung Jawab", "Tanggal Pembuatan", "Tempat Pembuatan", "Bentuk Informasi",
         "Kode Klasifikasi Arsip", "Jenis Dokumen", "Bahasa", "Tag"];

    /// <summary>A valid row under <see cref="Headers"/>; tests replace cells to break one rule at a time.</summary>
    public static object?[] Row(int number, string title, string unit = "DISKOMINFO", object? date = null) =>
    [
        number.ToString(CultureInfo.InvariantCulture),
        title,
        "Ringkasan isi dari " + title,
        unit,
        "Kepala Dinas Komunikasi dan Informatika",
        date ?? "02/11/2026",
        "Muara Sabak",
        "softcopy (PDF) https://jdih.example.go.id/dok.pdf; hardcopy (kertas) Arsip Setda, rak B-12",
        "000.1.1",
        "Peraturan",
        "Indonesia",
        "perda, keterbukaan",
    ];

    /// <summary>CSV with ';' as separator (as Indonesian Excel writes it), every cell quoted.</summary>
    public static byte[] Csv(IEnumerable<object?[]> rows, string[]? headers = null, char separator = ';')
    {
        var text = new StringBuilder();
        foreach (var row in new[] { (object?[])(headers ?? Headers) }.Concat(rows))
            text.Append(string.Join(separator, row.Select(c => "\"" + Convert.ToString(c, CultureInfo.InvariantCulture)?.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""))).Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>
    /// A workbook with one sheet: strings as shared strings (as Excel writes them), numbers (date
    /// serials) as numeric cells, null as no cell at all.
    /// </summary>
    public static byte[] Xlsx(IEnumerable<object?[]> rows, string[]? headers = null)
    {
        using var stream = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            workbook.Workbook = new Workbook();
            var worksheet = workbook.AddNewPart<WorksheetPart>();
            var data = new SheetData();
            worksheet.Worksheet = new Worksheet(data);
            var strings = workbook.AddNewPart<SharedStringTablePart>();
            strings.SharedStringTable = new SharedStringTable();
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            workbook.Workbook.AppendChild(new Sheets(new Sheet { Id = workbook.GetIdOfPart(worksheet), SheetId = 1, Name = "DIP" }));
            var line = 1u;
            foreach (var values in new[] { (object?[])(headers ?? Headers) }.Concat(rows))
            {
                var row = new Row { RowIndex = line };
                for (var c = 0; c < values.Length; c++)
                {
                    var reference = ColumnName(c) + line.ToString(CultureInfo.InvariantCulture);
                    switch (values[c])
                    {
                        case null:
                            break;
                        case double number:
                            row.AppendChild(new Cell { CellReference = reference, CellValue = new CellValue(number.ToString(CultureInfo.InvariantCulture)), DataType = CellValues.Number });
                            break;
                        case var value:
                            var text = Convert.ToString(value, CultureInfo.InvariantCulture)!;
                            if (!index.TryGetValue(text, out var i))
                            {
                                i = index[text] = index.Count;
                                strings.SharedStringTable.AppendChild(new SharedStringItem(new Text(text)));
                            }
                            row.AppendChild(new Cell { CellReference = reference, CellValue = new CellValue(i.ToString(CultureInfo.InvariantCulture)), DataType = CellValues.SharedString });
                            break;
                    }
                }
                data.AppendChild(row);
                line++;
            }
            workbook.Workbook.Save();
        }
        return stream.ToArray();
    }

    private static string ColumnName(int index) => index < 26 ? ((char)('A' + index)).ToString() : ColumnName(index / 26 - 1) + (char)('A' + index % 26);

    /// <summary>The spreadsheet date serial of <paramref name="date"/>, as XLSX stores dates.</summary>
    public static double Serial(DateOnly date) => date.ToDateTime(TimeOnly.MinValue).ToOADate();

    public static ByteArrayContent Raw(byte[] file, string mediaType)
    {
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    public static MultipartFormDataContent Form(byte[] file, string fileName, string mediaType)
    {
        var form = new MultipartFormDataContent();
        form.Add(Raw(file, mediaType), "file", fileName);
        return form;
    }
}
