using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using static Ppid.Registry.Tests.ImportFiles;

namespace Ppid.Registry.Tests;

/// <summary>The registry with reference data and a small import cap (64 KiB), so the 413 needs no large file.</summary>
public sealed class ApiForImports : ApiWithReferenceData
{
    public const int MaxBytes = 64 * 1024;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Registry:Import:MaxBytes", MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task<long> ItemEventsAsync() => await CountAsync("select count(*) from events where type = 'registry.item-registered.v1'");
}

public sealed class ImportTests(ApiForImports api) : IClassFixture<ApiForImports>
{
    private async Task<(HttpStatusCode Status, JsonElement Body)> ImportAsync(HttpContent content, string query = "", string tenant = "tenant-a")
    {
        using var client = api.Client(tenant);
        using var response = await client.PostAsync(Imports + query, content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static Guid[] ItemIds(JsonElement report, string outcome) =>
        [.. report.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("outcome").GetString() == outcome).Select(i => i.GetProperty("itemId").GetGuid())];

    [Fact]
    public async Task A_valid_csv_registers_every_row_as_an_item_with_its_fields_read_from_the_cells()
    {
        var events = await api.ItemEventsAsync();
        var file = Csv([Row(1, "CSV Perda 1"), Row(2, "CSV Perda 2", unit: "SETDA", date: "2026-10-01"), Row(3, "CSV Perda 3", date: "5 Januari 2026")]);

        var (status, report) = await ImportAsync(Raw(file, "text/csv"));

        status.ShouldBe(HttpStatusCode.OK, report.ToString());
        report.GetProperty("format").GetString().ShouldBe("csv");
        report.GetProperty("rows").GetInt32().ShouldBe(3);
        report.GetProperty("imported").GetInt32().ShouldBe(3);
        report.GetProperty("duplicates").GetInt32().ShouldBe(0);
        report.GetProperty("ignoredColumns").EnumerateArray().Select(c => c.GetString()).ShouldBe(["No."]);
        report.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("line").GetInt32()).ShouldBe([2, 3, 4]);
        (await api.ItemEventsAsync()).ShouldBe(events + 3);

        using var client = api.Client();
        var ids = ItemIds(report, "imported");
        var listed = await (await client.GetAsync($"{Api.Items}?q=CSV Perda&size=100")).BodyAsync();
        listed.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ShouldBe(ids); // in the file's row order
        var second = await client.GetItemAsync(ids[1]);
        second.GetProperty("title").GetString().ShouldBe("CSV Perda 2");
        second.GetProperty("holdingUnit").GetString().ShouldBe("SETDA");
        second.GetProperty("productionDate").GetString().ShouldBe("2026-10-01");
        second.GetProperty("kind").GetString().ShouldBe("regulation");
        second.GetProperty("language").GetString().ShouldBe("id");
        second.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["perda", "keterbukaan"]);
        var forms = second.GetProperty("forms").EnumerateArray().ToArray();
        forms.Length.ShouldBe(2);
        forms[0].GetProperty("form").GetString().ShouldBe("softcopy");
        forms[0].GetProperty("format").GetString().ShouldBe("PDF");
        forms[1].GetProperty("location").GetString().ShouldBe("Arsip Setda, rak B-12");
        (await client.GetItemAsync(ids[0])).GetProperty("productionDate").GetString().ShouldBe("2026-11-02"); // day first
        (await client.GetItemAsync(ids[2])).GetProperty("productionDate").GetString().ShouldBe("2026-01-05");
        (await api.CountAsync($"select count(*) from events where stream_id = 'item-{ids[0]}' and metadata->>'actorId' = 'officer-7'")).ShouldBe(1);
    }

    [Fact]
    public async Task Importing_the_same_rows_again_in_either_format_creates_nothing_new()
    {
        var rows = new[] { Row(1, "Dup Laporan 1"), Row(2, "Dup Laporan 2") };
        var (firstStatus, first) = await ImportAsync(Raw(Csv(rows), "text/csv"));
        firstStatus.ShouldBe(HttpStatusCode.OK, first.ToString());
        var events = await api.ItemEventsAsync();

        var (againStatus, again) = await ImportAsync(Raw(Csv(rows), "text/csv"));
        againStatus.ShouldBe(HttpStatusCode.OK, again.ToString());
        again.GetProperty("imported").GetInt32().ShouldBe(0);
        again.GetProperty("duplicates").GetInt32().ShouldBe(2);
        ItemIds(again, "duplicate").ShouldBe(ItemIds(first, "imported"));
        again.GetProperty("fileSha256").GetString().ShouldBe(first.GetProperty("fileSha256").GetString());

        // The same content as a workbook, with the date as a serial and a comma-separated CSV's other spelling: still the same rows.
        var (xlsxStatus, asXlsx) = await ImportAsync(Raw(Xlsx([Row(7, "Dup Laporan 1", date: Serial(new DateOnly(2026, 11, 2))), Row(8, "Dup Laporan 2")]), XlsxType));
        xlsxStatus.ShouldBe(HttpStatusCode.OK, asXlsx.ToString());
        asXlsx.GetProperty("duplicates").GetInt32().ShouldBe(2);
        (await api.ItemEventsAsync()).ShouldBe(events);
    }

    [Fact]
    public async Task A_row_repeated_within_one_file_is_imported_once()
    {
        var (status, report) = await ImportAsync(Raw(Csv([Row(1, "Twice in a file"), Row(2, "Twice in a file")], separator: ','), "text/csv"));
        status.ShouldBe(HttpStatusCode.OK, report.ToString());
        report.GetProperty("imported").GetInt32().ShouldBe(1);
        report.GetProperty("duplicates").GetInt32().ShouldBe(1);
        ItemIds(report, "duplicate").ShouldBe(ItemIds(report, "imported"));
    }

    private static IEnumerable<object?[]> RowsWithTwoBad(string prefix)
    {
        yield return Row(1, prefix + " good 1");
        var noTitle = Row(2, "");
        yield return noTitle;                                                            // line 3
        yield return Row(3, prefix + " bad 2", unit: "DINKES", date: "2027-04-01");     // line 4: unknown unit, future date
        var badDate = Row(4, prefix + " bad 3", date: "kemarin");
        badDate[9] = "Memo";                                                             // unknown kind
        yield return badDate;                                                            // line 5
        yield return Row(5, prefix + " good 2");                                         // line 6
    }

    [Fact]
    public async Task Any_invalid_row_refuses_the_whole_file_naming_each_line_and_field()
    {
        var events = await api.ItemEventsAsync();
        using var client = api.Client();
        using var response = await client.PostAsync(Imports, Raw(Csv(RowsWithTwoBad("AllOrNothing")), "text/csv"));

        var fields = await response.ValidationFieldsAsync();
        fields.ShouldBe(["line[3].title", "line[4].holdingUnit", "line[4].productionDate", "line[5].productionDate", "line[5].kind"], ignoreOrder: true);
        var errors = (await response.BodyAsync()).GetProperty("errors");
        errors.GetProperty("line[5].productionDate")[0].GetString()!.ShouldContain("not a date");
        (await api.ItemEventsAsync()).ShouldBe(events);
        (await api.CountAsync("select count(*) from items where title like 'AllOrNothing%'")).ShouldBe(0);
    }

    [Fact]
    public async Task Mode_valid_rows_imports_the_good_rows_and_reports_the_bad_ones()
    {
        var events = await api.ItemEventsAsync();
        var (status, report) = await ImportAsync(Raw(Csv(RowsWithTwoBad("ValidRows")), "text/csv"), "?mode=valid-rows");

        status.ShouldBe(HttpStatusCode.OK, report.ToString());
        report.GetProperty("mode").GetString().ShouldBe("valid-rows");
        report.GetProperty("imported").GetInt32().ShouldBe(2);
        report.GetProperty("skipped").GetInt32().ShouldBe(3);
        var invalid = report.GetProperty("invalid").EnumerateArray().ToArray();
        invalid.Select(r => r.GetProperty("line").GetInt32()).ShouldBe([3, 4, 5]);
        invalid[1].GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldBe(["holdingUnit", "productionDate"], ignoreOrder: true);
        (await api.ItemEventsAsync()).ShouldBe(events + 2);
        (await api.CountAsync("select count(*) from items where title like 'ValidRows good%'")).ShouldBe(2);
    }

    [Fact]
    public async Task An_xlsx_upload_as_a_form_file_reads_date_serials_and_reports_bad_rows_by_sheet_line()
    {
        var good = Row(1, "Xlsx Laporan 1", date: Serial(new DateOnly(2026, 3, 31)));
        var missingPlace = Row(2, "Xlsx Laporan 2");
        missingPlace[6] = null; // no cell at all
        var (status, report) = await ImportAsync(Form(Xlsx([good, missingPlace]), "dip-2026.xlsx", "application/octet-stream"), "?mode=valid-rows");

        status.ShouldBe(HttpStatusCode.OK, report.ToString());
        report.GetProperty("format").GetString().ShouldBe("xlsx");
        report.GetProperty("imported").GetInt32().ShouldBe(1);
        var invalid = report.GetProperty("invalid").EnumerateArray().Single();
        invalid.GetProperty("line").GetInt32().ShouldBe(3);
        invalid.GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldBe(["productionPlace"]);
        using var client = api.Client();
        (await client.GetItemAsync(ItemIds(report, "imported")[0])).GetProperty("productionDate").GetString().ShouldBe("2026-03-31");
        (await api.CountAsync($"select count(*) from imports where file_name = 'dip-2026.xlsx'")).ShouldBe(1);
    }

    [Fact]
    public async Task English_headers_are_aliases_and_missing_required_columns_are_named()
    {
        string[] english = ["title", "summary", "holdingUnit", "responsibleOfficial", "productionDate", "productionPlace", "forms", "recordClass", "kind"];
        object?[] row = ["English headers", "Ringkasan", "SETDA", "Sekda", "2026-01-02", "Muara Sabak", "hardcopy (kertas) Arsip", "900.1", "report"];
        var (status, report) = await ImportAsync(Raw(Csv([row], english, ','), "text/csv"));
        status.ShouldBe(HttpStatusCode.OK, report.ToString());
        report.GetProperty("imported").GetInt32().ShouldBe(1);

        using var client = api.Client();
        using var response = await client.PostAsync(Imports, Raw(Csv([row[..7]], english[..7], ','), "text/csv"));
        (await response.ValidationFieldsAsync()).ShouldBe(["columns"]);
        var messages = (await response.BodyAsync()).GetProperty("errors").GetProperty("columns").EnumerateArray().Select(m => m.GetString()).ToArray();
        messages.Length.ShouldBe(2);
        messages.ShouldContain(m => m!.Contains("Kode Klasifikasi Arsip"));
    }

    [Fact]
    public async Task A_file_over_the_cap_is_413_and_an_unknown_media_type_415()
    {
        var events = await api.ItemEventsAsync();
        var big = Encoding.UTF8.GetBytes(new string('x', ApiForImports.MaxBytes + 1));
        (await ImportAsync(Raw(big, "text/csv"))).Status.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await ImportAsync(Raw(Csv([Row(1, "Wrong type")]), "application/json"))).Status.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        var (badXlsx, problem) = await ImportAsync(Raw(Encoding.UTF8.GetBytes("not a zip"), XlsxType));
        badXlsx.ShouldBe(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").GetProperty("file").ShouldNotBe(default);
        (await ImportAsync(Raw(Csv([Row(1, "Bad mode")]), "text/csv"), "?mode=some")).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await api.ItemEventsAsync()).ShouldBe(events);
    }

    [Fact]
    public async Task Imports_are_per_tenant_and_their_report_can_be_read_again()
    {
        var file = Csv([Row(1, "Tenant scoped")]);
        var (_, a) = await ImportAsync(Raw(file, "text/csv"));
        var (status, b) = await ImportAsync(Raw(file, "text/csv"), tenant: "tenant-b");
        status.ShouldBe(HttpStatusCode.OK, b.ToString());
        b.GetProperty("imported").GetInt32().ShouldBe(1); // another tenant's earlier import is no duplicate

        var id = a.GetProperty("importId").GetGuid();
        using var client = api.Client();
        var again = await (await client.GetAsync($"{Imports}/{id}")).BodyAsync();
        again.GetProperty("imported").GetInt32().ShouldBe(1);
        using var other = api.Client("tenant-b");
        (await other.GetAsync($"{Imports}/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Two_uploads_of_one_file_at_once_register_each_row_once()
    {
        var file = Csv([Row(1, "Concurrent 1"), Row(2, "Concurrent 2"), Row(3, "Concurrent 3")]);
        var events = await api.ItemEventsAsync();
        var results = await Task.WhenAll(ImportAsync(Raw(file, "text/csv")), ImportAsync(Raw(file, "text/csv")));

        results.ShouldAllBe(r => r.Status == HttpStatusCode.OK);
        results.Sum(r => r.Body.GetProperty("imported").GetInt32()).ShouldBe(3);
        results.Sum(r => r.Body.GetProperty("duplicates").GetInt32()).ShouldBe(3);
        (await api.ItemEventsAsync()).ShouldBe(events + 3);
        (await api.CountAsync("select count(*) from items where title like 'Concurrent %'")).ShouldBe(3);
    }

    [Fact]
    public async Task A_file_without_rows_or_a_form_without_a_file_is_a_400()
    {
        using var client = api.Client();
        using (var headerOnly = await client.PostAsync(Imports, Raw(Csv([]), "text/csv")))
            (await headerOnly.ValidationFieldsAsync()).ShouldBe(["file"]);
        using (var empty = await client.PostAsync(Imports, Raw([], "text/csv")))
            (await empty.ValidationFieldsAsync()).ShouldBe(["file"]);
        using var form = new MultipartFormDataContent { { new StringContent("just text"), "note" } };
        using (var noFile = await client.PostAsync(Imports, form))
            (await noFile.ValidationFieldsAsync()).ShouldBe(["file"]);
    }

    [Fact]
    public async Task The_OpenAPI_document_says_which_files_the_import_takes()
    {
        using var client = api.CreateClient();
        var document = await (await client.GetAsync("/openapi/v1.json")).BodyAsync();
        var content = document.GetProperty("paths").GetProperty(Imports).GetProperty("post").GetProperty("requestBody").GetProperty("content");
        content.EnumerateObject().Select(p => p.Name).ShouldBe(["multipart/form-data", "text/csv", XlsxType], ignoreOrder: true);
    }

    [Fact]
    public async Task A_holding_unit_may_be_named_instead_of_coded()
    {
        var (status, report) = await ImportAsync(Raw(Csv([Row(1, "Named unit", unit: "sekretariat daerah")]), "text/csv"));
        status.ShouldBe(HttpStatusCode.OK, report.ToString());
        using var client = api.Client();
        (await client.GetItemAsync(ItemIds(report, "imported")[0])).GetProperty("holdingUnit").GetString().ShouldBe("SETDA");

        var (again, duplicate) = await ImportAsync(Raw(Csv([Row(1, "Named unit", unit: "SETDA")]), "text/csv"));
        again.ShouldBe(HttpStatusCode.OK);
        duplicate.GetProperty("duplicates").GetInt32().ShouldBe(1); // the same row whether the unit is named or coded
    }
}
