using System.Globalization;
using CsvHelper;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Ppid.Registry.Importing;

/// <summary>A file that cannot be read as the format it claims; the message is for the caller.</summary>
public sealed class UnreadableFileException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads a CSV or XLSX file into rows of text cells. The first non-empty row is the header; empty
/// rows are skipped; every row keeps the line number the spreadsheet shows, for error reports.
/// </summary>
public static class SpreadsheetReader
{
    /// <summary>Decompressed XLSX parts are capped, so a small zip bomb cannot take the memory.</summary>
    public const long MaxCharactersInPart = 64L * 1024 * 1024;

    /// <summary>Excel's last column (XFD).</summary>
    public const int MaxColumns = 16384;

    /// <summary>
    /// CSV as spreadsheets export it: UTF-8 (a byte order mark honoured), the separator detected
    /// (',' or ';' — Indonesian Excel writes ';'), quoted cells may hold line breaks. Line numbers
    /// are the file's lines where each record starts. Malformed quoting refuses the file rather
    /// than guess what a row meant.
    /// </summary>
    public static ImportSheet ReadCsv(byte[] file, int maxRows)
    {
        var options = new CsvReaderOptions
        {
            HasHeader = false,
            TrackLineNumbers = true,
            MalformedData = CsvMalformedDataHandling.Throw,
        };
        var rows = new List<(int Line, string?[] Cells)>();
        try
        {
            using var csv = CsvReader.Create(file, options);
            while (csv.Read())
            {
                rows.Add(((int)csv.LineNumber, csv.Current.ToArray()));
                if (rows.Count > maxRows + 1) break; // the header and one row too many are enough to refuse
            }
        }
        catch (CsvFormatException e)
        {
            throw new UnreadableFileException($"Not a readable CSV file{(e.LineNumber > 0 ? $" at line {e.LineNumber}" : "")}: {e.Message}", e);
        }
        return Sheet(rows);
    }

    /// <summary>The workbook's first sheet; dates stored as numbers stay numbers here (the date column reads serials).</summary>
    public static ImportSheet ReadXlsx(byte[] file, int maxRows)
    {
        try
        {
            using var document = SpreadsheetDocument.Open(new MemoryStream(file, writable: false), false, new OpenSettings { MaxCharactersInPart = MaxCharactersInPart });
            var workbook = document.WorkbookPart ?? throw new UnreadableFileException("The workbook has no content.");
            var first = workbook.Workbook.Sheets?.Elements<Sheet>().FirstOrDefault() ?? throw new UnreadableFileException("The workbook has no sheet.");
            var worksheet = (WorksheetPart)workbook.GetPartById(first.Id?.Value ?? throw new UnreadableFileException("The first sheet has no part."));
            var shared = workbook.SharedStringTablePart?.SharedStringTable?.Elements<SharedStringItem>().Select(s => s.InnerText).ToList() ?? [];
            var rows = new List<(int Line, string?[] Cells)>();
            var nextLine = 1;
            foreach (var row in worksheet.Worksheet.Descendants<Row>())
            {
                var line = (int?)row.RowIndex?.Value ?? nextLine;
                nextLine = line + 1;
                var cells = new List<string?>();
                var nextColumn = 0;
                foreach (var cell in row.Elements<Cell>())
                {
                    var column = cell.CellReference?.Value is { } reference ? ColumnIndex(reference) : nextColumn;
                    if (column >= MaxColumns) throw new UnreadableFileException($"Cell {cell.CellReference?.Value} lies beyond the last column a sheet may have.");
                    nextColumn = column + 1;
                    while (cells.Count <= column) cells.Add(null);
                    cells[column] = CellText(cell, shared);
                }
                rows.Add((line, [.. cells]));
                if (rows.Count > maxRows + 1) break;
            }
            return Sheet(rows);
        }
        catch (Exception e) when (e is OpenXmlPackageException or InvalidDataException or System.Xml.XmlException
                                      or FileFormatException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            throw new UnreadableFileException("Not a readable XLSX workbook.", e);
        }
    }

    private static ImportSheet Sheet(List<(int Line, string?[] Cells)> rows)
    {
        var filled = rows.Where(r => r.Cells.Any(c => !string.IsNullOrWhiteSpace(c))).ToList();
        if (filled.Count == 0) throw new UnreadableFileException("The file holds no header row.");
        var header = filled[0];
        return new ImportSheet(header.Cells, header.Line, [.. filled.Skip(1).Select(r => new ImportRow(r.Line, r.Cells))]);
    }

    private static string? CellText(Cell cell, List<string> shared)
    {
        if (cell.DataType?.Value == CellValues.InlineString) return cell.InlineString?.InnerText;
        var value = cell.CellValue?.Text;
        if (value is null) return null;
        if (cell.DataType?.Value == CellValues.SharedString)
            return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < shared.Count
                ? shared[index]
                : throw new UnreadableFileException($"Cell {cell.CellReference?.Value} points to a shared string that does not exist.");
        return value;
    }

    /// <summary>"C7" → 2.</summary>
    private static int ColumnIndex(string reference)
    {
        var index = 0;
        foreach (var ch in reference)
        {
            if (!char.IsAsciiLetter(ch)) break;
            index = index * 26 + (char.ToUpperInvariant(ch) - 'A' + 1);
        }
        return Math.Max(index - 1, 0);
    }
}
