using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Npgsql;
using Ppid.Platform.Database;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Registry.Items;
using Ppid.Registry.ReferenceData;
using Ppid.Registry.Registering;

namespace Ppid.Registry.Importing;

/// <summary>Limits of an import (configuration section <c>Registry:Import</c>).</summary>
public sealed class ImportOptions
{
    public const string Section = "Registry:Import";

    /// <summary>The largest request body accepted (the file, or the whole multipart body); larger is 413.</summary>
    public long MaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>The most data rows one file may hold; more is a 400 (split the file).</summary>
    public int MaxRows { get; set; } = 5000;
}

public sealed record ImportedRow(int Line, Guid ItemId, string Outcome);

public sealed record InvalidRow(int Line, IDictionary<string, string[]> Errors);

/// <summary>
/// What an import did. <see cref="Imported"/> rows registered a new item; <see cref="Duplicates"/>
/// had been imported before (in this file or an earlier one) and registered nothing;
/// <see cref="Skipped"/> were invalid and left out (mode <c>valid-rows</c> only).
/// </summary>
public sealed record ImportReport(
    Guid ImportId,
    string FileSha256,
    string Format,
    string Mode,
    int Rows,
    int Imported,
    int Duplicates,
    int Skipped,
    IReadOnlyList<ImportedRow> Items,
    IReadOnlyList<InvalidRow> Invalid,
    IReadOnlyList<string> IgnoredColumns);

/// <summary>
/// Import of an existing DIP from a spreadsheet (CSV or XLSX): every row is validated first with
/// the API's rules; each new row is registered through <see cref="RegisterDecider"/> as
/// <c>registry.item-registered.v1</c>, all in one transaction.
/// </summary>
public static class ImportingEndpoint
{
    public const string CsvType = "text/csv";
    public const string XlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    public const string ModeAll = "all";
    public const string ModeValidRows = "valid-rows";

    public static RouteGroupBuilder MapImporting(this RouteGroupBuilder group)
    {
        // The body is read by hand (size cap, raw or multipart); the metadata tells the OpenAPI document what it takes.
        group.MapPost("/imports", ImportAsync)
            .Accepts<IFormFile>("multipart/form-data", CsvType, XlsxType)
            .Produces<ImportReport>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapGet("/imports/{id:guid}", GetAsync).Produces<ImportReport>().ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> GetAsync(Guid id, RequestContext request, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select report::text from imports where import_id = $1 and tenant = $2");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        return await cmd.ExecuteScalarAsync(ct) is string report
            ? TypedResults.Text(report, "application/json", Encoding.UTF8)
            : Problems.NotFound($"Import {id}");
    }

    /// <summary>
    /// <c>POST /imports?mode=all|valid-rows</c> with the file as the raw body (<c>text/csv</c> or the
    /// XLSX media type) or as the first file of a <c>multipart/form-data</c> body. Mode <c>all</c>
    /// (default): any invalid row refuses the whole file (400, each error under <c>line[N].field</c>).
    /// Mode <c>valid-rows</c>: invalid rows are reported and skipped.
    /// </summary>
    private static async Task<IResult> ImportAsync(RequestContext request, HttpContext http, EventStore store, TimeProvider clock,
        IOptions<ImportOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILoggerFactory logging, CancellationToken ct,
        string? mode = null)
    {
        mode ??= ModeAll;
        if (mode is not (ModeAll or ModeValidRows)) return Problems.Invalid("mode", $"Must be {ModeAll} or {ModeValidRows}.");
        var limits = options.Value;

        var (body, tooLarge) = await ReadBodyAsync(http, limits.MaxBytes, ct);
        if (tooLarge) return TooLarge(limits.MaxBytes);
        var (file, fileName, format, unsupported) = await FileAsync(http.Request, body!, ct);
        if (unsupported is not null) return unsupported;

        ImportSheet sheet;
        try
        {
            sheet = format == "csv" ? SpreadsheetReader.ReadCsv(file!, limits.MaxRows) : SpreadsheetReader.ReadXlsx(file!, limits.MaxRows);
        }
        catch (UnreadableFileException e)
        {
            return Problems.Invalid("file", e.Message);
        }
        if (sheet.Rows.Count == 0) return Problems.Invalid("file", "The file holds a header but no rows.");
        if (sheet.Rows.Count > limits.MaxRows) return Problems.Invalid("file", $"At most {limits.MaxRows} rows per file: split it.");

        var columnErrors = new ValidationErrors();
        var (positions, ignored) = ImportColumns.Map(sheet.Headers, columnErrors);
        if (columnErrors.Any) return Problems.Invalid(columnErrors);

        var now = clock.GetUtcNow();
        var known = await ReferenceDataApi.KnownCodesAsync(store.DataSource, request.Tenant, ct);
        var unitNames = await UnitNamesAsync(store.DataSource, request.Tenant, ct);
        string UnitCode(string cell) => known.Units.Contains(cell) ? cell : unitNames.GetValueOrDefault(ImportColumns.Normalize(cell), cell);
        var valid = new List<(int Line, ItemDetails Details, string Hash)>();
        var invalid = new List<InvalidRow>();
        foreach (var row in sheet.Rows)
        {
            var readErrors = new ValidationErrors();
            var itemRequest = ImportColumns.ToRequest(row, positions, readErrors, UnitCode);
            var ruleErrors = new ValidationErrors();
            var details = ItemValidation.Details(itemRequest, known, now, ruleErrors);
            if (readErrors.Any || ruleErrors.Any) invalid.Add(new InvalidRow(row.Line, Merge(readErrors, ruleErrors)));
            else valid.Add((row.Line, details!, RowHash(details!)));
        }

        if (invalid.Count > 0 && mode == ModeAll)
        {
            var errors = new ValidationErrors();
            foreach (var row in invalid)
                foreach (var (field, messages) in row.Errors)
                    foreach (var message in messages) errors.Add($"line[{row.Line}].{field}", message);
            return Problems.Invalid(errors);
        }

        var fileHash = Convert.ToHexStringLower(SHA256.HashData(file!));
        var importId = Guid.CreateVersion7(now);
        var outcomes = new List<ImportedRow>();
        await using (var connection = await store.DataSource.OpenConnectionAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            // One import per tenant at a time, so two uploads of one file cannot both see its rows as new.
            await using (var lockCmd = new NpgsqlCommand("select pg_advisory_xact_lock(hashtextextended($1, 0))", connection, tx))
            {
                lockCmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"registry-import/{request.Tenant}" });
                await lockCmd.ExecuteNonQueryAsync(ct);
            }
            var seen = await ImportedBeforeAsync(connection, tx, request.Tenant, [.. valid.Select(v => v.Hash)], ct);
            var fresh = new List<(int Line, Guid ItemId, string Hash)>();
            Guid? firstEventId = null;
            // UUIDv7s of one millisecond differ in random bits: sorted, they list the new items in the file's row order.
            var ids = new Queue<Guid>(Enumerable.Range(0, valid.Count).Select(_ => Guid.CreateVersion7(now)).OrderBy(g => g.ToString(), StringComparer.Ordinal));
            foreach (var (line, details, hash) in valid)
            {
                if (seen.TryGetValue(hash, out var existing)) { outcomes.Add(new ImportedRow(line, existing, "duplicate")); continue; }
                var itemId = ids.Dequeue();
                var decision = RegisterDecider.Decide(InformationItem.Initial, new RegisterInformationItem(itemId, details, []), now);
                if (decision.Error is { } error) throw new InvalidOperationException($"Registering a new item was refused: {error.Message}");
                var appended = await store.AppendAsync(connection, tx, InformationItem.StreamId(itemId), InformationItem.StreamType, ExpectedVersion.NoStream,
                    [.. decision.Events.Select(e => new EventData(e))], request.Metadata, ct);
                firstEventId ??= appended.Events[0].EventId;
                seen[hash] = itemId;
                fresh.Add((line, itemId, hash));
                outcomes.Add(new ImportedRow(line, itemId, "imported"));
            }

            var report = new ImportReport(importId, fileHash, format!, mode, sheet.Rows.Count, fresh.Count, outcomes.Count - fresh.Count, invalid.Count,
                outcomes, invalid, ignored);
            var reportJson = JsonSerializer.Serialize(report, json.Value.SerializerOptions);
            await using (var save = new NpgsqlCommand(
                """
                insert into imports (import_id, tenant, file_sha256, file_name, format, mode, report, actor, imported_at)
                values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)
                """, connection, tx))
            {
                save.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = importId });
                save.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
                save.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fileHash });
                save.Parameters.Add(new NpgsqlParameter { Value = (object?)fileName ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                save.Parameters.Add(new NpgsqlParameter<string> { TypedValue = format! });
                save.Parameters.Add(new NpgsqlParameter<string> { TypedValue = mode });
                save.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reportJson });
                save.Parameters.Add(new NpgsqlParameter { Value = (object?)request.ActorId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                save.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
                await save.ExecuteNonQueryAsync(ct);
            }
            if (fresh.Count > 0)
            {
                await using var rows = new NpgsqlCommand(
                    """
                    insert into imported_rows (tenant, row_sha256, item_id, import_id, line)
                    select $1, h, i, $2, l from unnest($3::text[], $4::uuid[], $5::int[]) as r(h, i, l)
                    """, connection, tx);
                rows.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
                rows.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = importId });
                rows.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. fresh.Select(f => f.Hash)] });
                rows.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. fresh.Select(f => f.ItemId)] });
                rows.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. fresh.Select(f => f.Line)] });
                await rows.ExecuteNonQueryAsync(ct);
            }
            await Commits.CommitAsync(store.DataSource, tx, firstEventId, ct); // a lost COMMIT answer is looked up, not guessed
            if (fresh.Count > 0) store.NotifyAppended();
            logging.CreateLogger(typeof(ImportingEndpoint)).LogInformation(
                "Import {ImportId} for {Tenant} ({Format}, {FileSha256}): {Imported} imported, {Duplicates} duplicates, {Skipped} skipped",
                importId, request.Tenant, format, fileHash, report.Imported, report.Duplicates, report.Skipped);
            http.Response.Headers.Location = $"/api/v1/registry/imports/{importId}";
            return TypedResults.Text(reportJson, "application/json", Encoding.UTF8, StatusCodes.Status200OK);
        }
    }

    /// <summary>
    /// The SHA-256 of the row's validated details (canonical JSON), so cell formatting — spaces,
    /// date notation, header spelling, CSV or XLSX — does not make the same row new.
    /// </summary>
    public static string RowHash(ItemDetails details)
    {
        var element = JsonSerializer.SerializeToElement(details, EventJson.Options);
        return Convert.ToHexStringLower(SHA256.HashData(CanonicalJson.ToBytes(element)));
    }

    /// <summary>Errors reading a cell replace the rule errors of that field ("not a date" rather than also "required").</summary>
    private static Dictionary<string, string[]> Merge(ValidationErrors read, ValidationErrors rules)
    {
        var merged = rules.ToDictionary().ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        foreach (var (field, messages) in read.ToDictionary()) merged[field] = messages;
        return merged;
    }

    /// <summary>The tenant's units by normalized name; a name two units share maps to neither (the cell must give the code).</summary>
    private static async Task<Dictionary<string, string>> UnitNamesAsync(NpgsqlDataSource db, string tenant, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select code, name from units where tenant = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        var units = new List<(string Code, string Name)>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) units.Add((reader.GetString(0), ImportColumns.Normalize(reader.GetString(1))));
        return units.GroupBy(u => u.Name, StringComparer.Ordinal).Where(g => g.Count() == 1 && g.Key.Length > 0)
            .ToDictionary(g => g.Key, g => g.Single().Code, StringComparer.Ordinal);
    }

    private static async Task<Dictionary<string, Guid>> ImportedBeforeAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string tenant, string[] hashes,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select row_sha256, item_id from imported_rows where tenant = $1 and row_sha256 = any($2)", connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = hashes });
        var seen = new Dictionary<string, Guid>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) seen[reader.GetString(0)] = reader.GetGuid(1);
        return seen;
    }

    /// <summary>The whole body, read up to the cap (the declared length is checked first, so an honest large upload is refused before it is sent).</summary>
    private static async Task<(byte[]? Body, bool TooLarge)> ReadBodyAsync(HttpContext http, long maxBytes, CancellationToken ct)
    {
        if (http.Request.ContentLength > maxBytes) return (null, true);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = maxBytes + 1;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes) return (null, true);
            buffer.Write(chunk, 0, read);
        }
        return (buffer.ToArray(), false);
    }

    /// <summary>The file and its format, from the raw body's content type or the first file part of a multipart body.</summary>
    private static async Task<(byte[]? File, string? Name, string? Format, IResult? Problem)> FileAsync(HttpRequest request, byte[] body, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) || contentType.MediaType.Value is not { } mediaType)
            return (null, null, null, Unsupported());
        if (FormatOf(mediaType, null) is { } rawFormat) return (body, null, rawFormat, null);
        if (!mediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)) return (null, null, null, Unsupported());

        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) return (null, null, null, Problems.Invalid("file", "The multipart body has no boundary."));
        var reader = new MultipartReader(boundary, new MemoryStream(body));
        try
        {
            for (var section = await reader.ReadNextSectionAsync(ct); section is not null; section = await reader.ReadNextSectionAsync(ct))
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition()) continue;
                var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                var format = FormatOf(section.ContentType, name);
                if (format is null) return (null, null, null, Unsupported());
                using var file = new MemoryStream();
                await section.Body.CopyToAsync(file, ct);
                return (file.ToArray(), name, format, null);
            }
        }
        catch (IOException e)
        {
            return (null, null, null, Problems.Invalid("file", "The multipart body cannot be read: " + e.Message));
        }
        return (null, null, null, Problems.Invalid("file", "Required: send the spreadsheet as a file part of the form."));
    }

    private static string? FormatOf(string? mediaType, string? fileName)
    {
        var type = MediaTypeHeaderValue.TryParse(mediaType, out var parsed) ? parsed.MediaType.Value : null;
        if (string.Equals(type, CsvType, StringComparison.OrdinalIgnoreCase)) return "csv";
        if (string.Equals(type, XlsxType, StringComparison.OrdinalIgnoreCase)) return "xlsx";
        // Browsers label files by extension, or send application/octet-stream.
        if (fileName?.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) == true) return "csv";
        if (fileName?.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase) == true) return "xlsx";
        return null;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Unsupported() => TypedResults.Problem(title: "Unsupported file type", statusCode: StatusCodes.Status415UnsupportedMediaType,
        detail: $"Send the spreadsheet as {CsvType} or {XlsxType}, as the raw body or as a file of a multipart/form-data body.",
        type: Problems.TypeBase + "unsupported-media-type");

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooLarge(long maxBytes) => TypedResults.Problem(title: "File too large", statusCode: StatusCodes.Status413PayloadTooLarge,
        detail: $"An import may be at most {maxBytes} bytes: split the file.", type: Problems.TypeBase + "too-large");
}
