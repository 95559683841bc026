using System.Globalization;
using System.Text.RegularExpressions;
using Ppid.Platform.Http;
using Ppid.Registry.Items;

namespace Ppid.Registry.Importing;

/// <summary>One column of the import layout: the API field it fills, the header DIP spreadsheets use, and the headers also accepted.</summary>
public sealed record ImportColumn(string Field, string Header, IReadOnlyList<string> Aliases, bool Required);

/// <summary>A data row as read from the file: its line number as the spreadsheet shows it, and its cells by column position.</summary>
public sealed record ImportRow(int Line, IReadOnlyList<string?> Cells);

/// <summary>What a file holds: the header row's cells and line, and the non-empty rows under it.</summary>
public sealed record ImportSheet(IReadOnlyList<string?> Headers, int HeaderLine, IReadOnlyList<ImportRow> Rows);

/// <summary>
/// The column layout of an imported DIP spreadsheet (see README.md): Indonesian headers as DIP
/// spreadsheets use them, with the API's field names as aliases. Headers match without regard to
/// case, spaces or punctuation ("Ringkasan Isi", "ringkasan_isi" and "summary" are one column).
/// Unknown columns (a "No." column, remarks) are ignored and reported. Cells are turned into an
/// <see cref="ItemRequest"/> here and then validated by the same <see cref="ItemValidation"/> as the API.
/// </summary>
public static partial class ImportColumns
{
    public static readonly IReadOnlyList<ImportColumn> All =
    [
        new("title", "Judul", ["Judul Informasi", "title"], true),
        new("summary", "Ringkasan Isi", ["Ringkasan Isi Informasi", "Ringkasan", "summary"], true),
        new("holdingUnit", "Unit Penguasa", ["Unit Penguasa Informasi", "Penguasa Informasi", "holdingUnit"], true),
        new("responsibleOfficial", "Penanggung Jawab", ["Penanggung Jawab Pembuatan", "Pejabat Penanggung Jawab", "responsibleOfficial"], true),
        new("productionDate", "Tanggal Pembuatan", ["Waktu Pembuatan", "productionDate"], true),
        new("productionPlace", "Tempat Pembuatan", ["productionPlace"], true),
        new("forms", "Bentuk Informasi", ["Bentuk Informasi yang Tersedia", "forms"], true),
        new("recordClass", "Kode Klasifikasi Arsip", ["Klasifikasi Arsip", "recordClass"], true),
        new("kind", "Jenis Dokumen", ["Jenis", "kind"], true),
        new("language", "Bahasa", ["language"], false),
        new("tags", "Tag", ["Kata Kunci", "tags"], false),
    ];

    /// <summary>When the file has no Bahasa column: DIP spreadsheets are in Bahasa Indonesia.</summary>
    public const string DefaultLanguage = "id";

    private static readonly Dictionary<string, ImportColumn> ByHeader = All
        .SelectMany(c => c.Aliases.Append(c.Header).Select(h => (Key: Normalize(h), Column: c)))
        .ToDictionary(x => x.Key, x => x.Column, StringComparer.Ordinal);

    public static string Normalize(string header) => new string([.. header.Where(char.IsLetterOrDigit)]).ToLowerInvariant();

    /// <summary>Which column position holds which field; errors name missing or repeated columns (field <c>columns</c>).</summary>
    public static (IReadOnlyDictionary<string, int> Positions, IReadOnlyList<string> Ignored) Map(IReadOnlyList<string?> headers, ValidationErrors errors)
    {
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        var ignored = new List<string>();
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i]?.Trim() ?? "";
            if (header.Length == 0) continue;
            if (!ByHeader.TryGetValue(Normalize(header), out var column)) { ignored.Add(header); continue; }
            if (!positions.TryAdd(column.Field, i)) errors.Add("columns", $"The column {column.Header} ({column.Field}) appears twice.");
        }
        foreach (var column in All.Where(c => c.Required && !positions.ContainsKey(c.Field)))
            errors.Add("columns", $"The column {column.Header} ({column.Field}) is missing.");
        return (positions, ignored);
    }

    /// <summary>
    /// The row as an API request. Cells that cannot even be read (a date that is no date) are
    /// reported in <paramref name="errors"/> under the API's field name; everything else is left to
    /// <see cref="ItemValidation"/>.
    /// </summary>
    /// <param name="unitCode">Turns the holding unit cell into a unit code: DIP spreadsheets often name the unit
    /// ("Dinas Komunikasi dan Informatika") rather than give its code.</param>
    public static ItemRequest ToRequest(ImportRow row, IReadOnlyDictionary<string, int> positions, ValidationErrors errors,
        Func<string, string>? unitCode = null)
    {
        string? Cell(string field) =>
            positions.TryGetValue(field, out var i) && i < row.Cells.Count && !string.IsNullOrWhiteSpace(row.Cells[i]) ? row.Cells[i]!.Trim() : null;

        DateOnly? date = null;
        if (Cell("productionDate") is { } dateText)
        {
            date = ParseDate(dateText);
            if (date is null) errors.Add("productionDate", $"'{dateText}' is not a date: write YYYY-MM-DD, DD/MM/YYYY or '2 November 2026'.");
        }
        return new ItemRequest(
            Cell("title"),
            Cell("summary"),
            Cell("holdingUnit") is { } unit && unitCode is not null ? unitCode(unit) : Cell("holdingUnit"),
            Cell("responsibleOfficial"),
            date,
            Cell("productionPlace"),
            ParseForms(Cell("forms")),
            Cell("recordClass"),
            Cell("kind") is { } kind ? KindName(kind) : null,
            positions.ContainsKey("language") ? (Cell("language") is { } language ? LanguageTag(language) : null) : DefaultLanguage,
            Cell("tags") is { } tags ? [.. tags.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] : []);
    }

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "d/M/yyyy", "d-M-yyyy", "d.M.yyyy"];

    private static readonly string[] IndonesianMonths =
        ["januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus", "september", "oktober", "november", "desember"];

    /// <summary>ISO, day-first (as Indonesia writes dates), Indonesian month names, or a spreadsheet date serial (XLSX stores dates as numbers).</summary>
    public static DateOnly? ParseDate(string text)
    {
        if (DateOnly.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var serial) && serial is >= 1 and < 2958466)
            return DateOnly.FromDateTime(DateTime.FromOADate(Math.Floor(serial)));
        var named = NamedDate().Match(text);
        if (named.Success)
        {
            var month = Array.IndexOf(IndonesianMonths, named.Groups["month"].Value.ToLowerInvariant()) + 1;
            if (month > 0 && int.TryParse(named.Groups["day"].Value, CultureInfo.InvariantCulture, out var day)
                && int.TryParse(named.Groups["year"].Value, CultureInfo.InvariantCulture, out var year)
                && day <= DateTime.DaysInMonth(year, month))
                return new DateOnly(year, month, day);
        }
        return null;
    }

    /// <summary>
    /// "softcopy (PDF) https://jdih.example/perda.pdf; hardcopy (kertas) Arsip Setda rak B-12": each
    /// form as <c>form (format) location</c>, forms separated by ';' or line breaks. A part without
    /// "(format)" keeps its first word as the form, so validation names the missing format.
    /// </summary>
    public static IReadOnlyList<FormRequest>? ParseForms(string? text)
    {
        if (text is null) return null;
        var forms = new List<FormRequest>();
        foreach (var part in text.Split([';', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var m = FormPart().Match(part);
            if (m.Success) forms.Add(new FormRequest(FormName(m.Groups["form"].Value), m.Groups["format"].Value, m.Groups["location"].Value));
            else
            {
                var words = part.Split(' ', 2, StringSplitOptions.TrimEntries);
                forms.Add(new FormRequest(FormName(words[0]), null, words.Length > 1 ? words[1] : null));
            }
        }
        return forms;
    }

    private static string FormName(string text) => Normalize(text) switch
    {
        "softcopy" or "soft" or "elektronik" or "digital" => "softcopy",
        "hardcopy" or "hard" or "cetak" or "fisik" => "hardcopy",
        _ => text,
    };

    /// <summary>Kinds by the API's names or the Indonesian ones DIP spreadsheets use; anything else goes to validation as written.</summary>
    private static string KindName(string text) => Normalize(text) switch
    {
        "peraturan" => "regulation",
        "keputusan" or "suratkeputusan" => "decision",
        "suratedaran" or "edaran" => "circular",
        "putusan" or "putusanpengadilan" or "courtdecision" => "court-decision",
        "laporan" => "report",
        "kontrak" or "perjanjian" => "contract",
        "data" or "dataset" or "kumpulandata" => "dataset",
        "surat" or "korespondensi" or "suratmenyurat" => "correspondence",
        "lainnya" or "lainlain" => "other",
        _ => text.ToLowerInvariant(),
    };

    private static string LanguageTag(string text) => Normalize(text) switch
    {
        "indonesia" or "bahasaindonesia" or "indonesian" => "id",
        "inggris" or "bahasainggris" or "english" => "en",
        _ => text,
    };

    [GeneratedRegex(@"^(?<form>[^()]+?)\s*\((?<format>[^)]*)\)\s*(?<location>.*)$")]
    private static partial Regex FormPart();

    [GeneratedRegex(@"^(?<day>\d{1,2})\s+(?<month>\p{L}+)\s+(?<year>\d{4})$")]
    private static partial Regex NamedDate();
}
