using Ppid.Contracts.Registry;
using Ppid.Platform.Http;
using Ppid.Registry.Importing;
using Ppid.Registry.Items;

namespace Ppid.Registry.Tests;

/// <summary>The import's column layout and cell reading, without I/O.</summary>
public sealed class ImportColumnsTests
{
    [Theory]
    [InlineData("2026-11-02", 2026, 11, 2)]
    [InlineData("02/11/2026", 2026, 11, 2)] // day first, as Indonesia writes dates
    [InlineData("2-11-2026", 2026, 11, 2)]
    [InlineData("2.11.2026", 2026, 11, 2)]
    [InlineData("2 November 2026", 2026, 11, 2)]
    [InlineData("17 agustus 1945", 1945, 8, 17)]
    [InlineData("46328", 2026, 11, 2)] // an XLSX date serial
    public void Dates_are_read_in_the_notations_DIP_spreadsheets_use(string text, int year, int month, int day) =>
        ImportColumns.ParseDate(text).ShouldBe(new DateOnly(year, month, day));

    [Theory]
    [InlineData("kemarin")]
    [InlineData("31/02/2026")]
    [InlineData("31 Februari 2026")]
    [InlineData("11/31/2026")]
    public void Text_that_is_no_date_is_not_guessed(string text) => ImportColumns.ParseDate(text).ShouldBeNull();

    [Fact]
    public void Forms_are_read_as_form_format_and_location_separated_by_semicolons_or_line_breaks()
    {
        var forms = ImportColumns.ParseForms("Softcopy (PDF) https://jdih.example/perda.pdf;\ncetak (kertas) Arsip Setda, rak B-12\nhardcopy Arsip");
        forms.ShouldNotBeNull();
        forms.ShouldBe([
            new FormRequest("softcopy", "PDF", "https://jdih.example/perda.pdf"),
            new FormRequest("hardcopy", "kertas", "Arsip Setda, rak B-12"),
            new FormRequest("hardcopy", null, "Arsip"), // no "(format)": validation names the missing format
        ]);
    }

    [Fact]
    public void Headers_match_in_Indonesian_or_English_whatever_the_case_and_spacing_and_unknown_ones_are_ignored()
    {
        var errors = new ValidationErrors();
        var (positions, ignored) = ImportColumns.Map(
            ["No", "JUDUL", "ringkasan_isi", "holdingUnit", "Penanggung  Jawab", "Tanggal Pembuatan", "productionPlace", "Bentuk Informasi", "Kode Klasifikasi Arsip", "Jenis Dokumen", "Keterangan"],
            errors);
        errors.Any.ShouldBeFalse();
        positions["title"].ShouldBe(1);
        positions["summary"].ShouldBe(2);
        positions["responsibleOfficial"].ShouldBe(4);
        positions.ContainsKey("language").ShouldBeFalse();
        ignored.ShouldBe(["No", "Keterangan"]);
    }

    [Fact]
    public void A_missing_or_repeated_column_is_an_error_naming_it()
    {
        var errors = new ValidationErrors();
        ImportColumns.Map(["Judul", "title", "Ringkasan Isi"], errors);
        var messages = errors.ToDictionary()["columns"];
        messages.ShouldContain(m => m.Contains("Judul (title) appears twice", StringComparison.Ordinal));
        messages.ShouldContain(m => m.Contains("Unit Penguasa (holdingUnit) is missing", StringComparison.Ordinal));
        messages.Length.ShouldBe(1 + ImportColumns.All.Count(c => c.Required) - 2);
    }

    [Fact]
    public void A_row_becomes_the_request_the_API_validates_with_Indonesian_kind_and_language_names()
    {
        var errors = new ValidationErrors();
        var (positions, _) = ImportColumns.Map(ImportFiles.Headers, errors);
        var request = ImportColumns.ToRequest(new ImportRow(2, ImportFiles.Row(1, "Perda 5").Select(c => (string?)c?.ToString()).ToArray()), positions, errors);
        errors.Any.ShouldBeFalse();
        request.Kind.ShouldBe("regulation");
        request.Language.ShouldBe("id");
        request.Tags.ShouldBe(["perda", "keterbukaan"]);

        var known = new KnownCodes(new HashSet<string> { "DISKOMINFO" }, new HashSet<string> { "000.1.1" });
        var details = ItemValidation.Details(request, known, new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), errors);
        errors.Any.ShouldBeFalse();
        details!.Kind.ShouldBe(DocumentKind.Regulation);
        details.ProductionDate.ShouldBe(new DateOnly(2026, 11, 2));
    }

    [Fact]
    public void The_row_hash_is_the_same_for_the_same_details_and_differs_for_any_change()
    {
        var details = new ItemDetails("Perda", "Ringkasan", "SETDA", "Sekda", new DateOnly(2026, 1, 2), "Muara Sabak",
            [new AvailableForm(InformationForm.Hardcopy, "kertas", "Arsip")], "900.1", DocumentKind.Report, "id", ["a"]);
        ImportingEndpoint.RowHash(details).ShouldBe(ImportingEndpoint.RowHash(details with { Tags = ["a"] }));
        ImportingEndpoint.RowHash(details).ShouldNotBe(ImportingEndpoint.RowHash(details with { Summary = "Ringkasan." }));
        ImportingEndpoint.RowHash(details).ShouldNotBe(ImportingEndpoint.RowHash(details with { Forms = [new AvailableForm(InformationForm.Softcopy, "kertas", "Arsip")] }));
    }
}
