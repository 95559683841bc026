using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Ppid.Archive.Auditing;
using Ppid.Archive.Ledger;
using Ppid.Platform.Http;

namespace Ppid.Archive.Reports;

/// <summary>Reports from the ledger as JSON, HTML (printable, Bahasa Indonesia) or CSV (<c>format=json|html|csv</c>).</summary>
public static class ReportsEndpoints
{
    private static readonly string[] Readers = [Roles.Auditor, Roles.Ppid, Roles.AtasanPpid, Roles.Arsiparis];

    public static RouteGroupBuilder MapReports(this RouteGroupBuilder group)
    {
        group.MapGet("/reports/cycles/{cycleId:guid}", CycleAsync);
        group.MapGet("/reports/availability", AvailabilityAsync);
        return group;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? RequireReader(RequestContext request) =>
        Readers.Contains(request.ActorRole) ? null
        : TypedResults.Problem(title: "Forbidden", detail: $"Reports need one of the roles {string.Join(", ", Readers)} (X-Actor-Role).",
            statusCode: StatusCodes.Status403Forbidden, type: Problems.TypeBase + "forbidden");

    private static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem? BadFormat(string? format) =>
        format is null or "json" or "html" or "csv" ? null : Problems.Invalid("format", "Must be json, html or csv.");

    private static async Task<IResult> CycleAsync(Guid cycleId, RequestContext request, NpgsqlDataSource db, CancellationToken ct, string? format = null)
    {
        if (RequireReader(request) is { } forbidden) return forbidden;
        if (BadFormat(format) is { } invalid) return invalid;
        List<LedgerEntry> openings;
        await using (var cmd = db.CreateCommand($"select {LedgerEntry.Columns} from ledger where tenant = $1 and type = 'registry.cycle-opened.v1' order by recorded_at, sequence"))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
            openings = await LedgerEntry.ReadAllAsync(cmd, ct);
        }
        var index = openings.FindIndex(o => JsonNode.Parse(o.Data)!["cycleId"]!.GetValue<Guid>() == cycleId);
        if (index < 0) return Problems.NotFound($"Update cycle {cycleId}");
        var from = openings[index].RecordedAt;
        var until = index + 1 < openings.Count ? openings[index + 1].RecordedAt : DateTimeOffset.MaxValue;
        List<LedgerEntry> window;
        await using (var cmd = db.CreateCommand($"select {LedgerEntry.Columns} from ledger where tenant = $1 and recorded_at >= $2 and recorded_at < $3 order by recorded_at, sequence"))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = until });
            window = await LedgerEntry.ReadAllAsync(cmd, ct);
        }
        var report = CycleReport.Build(JsonNode.Parse(openings[index].Data)!.AsObject(), window);
        return format switch
        {
            "csv" => Csv($"siklus-{cycleId}.csv", ["langkah", "nama", "batas_waktu", "standar_jam", "selesai", "aktual_jam", "status", "bukti"],
                report.Steps.Select(s => new[]
                {
                    s.Code, s.Name, s.DueAt.ToString("O", CultureInfo.InvariantCulture), Hours(s.Standard),
                    s.CompletedAt?.ToString("O", CultureInfo.InvariantCulture) ?? "", s.Actual is { } a ? Hours(a) : "", s.Status, s.Evidence ?? "",
                })),
            "html" => Html($"Laporan waktu pelaksanaan SOP — siklus {report.Period} {report.Year}",
                ["Langkah", "Nama", "Batas waktu", "Standar (jam)", "Selesai", "Aktual (jam)", "Status"],
                report.Steps.Select(s => new[] { s.Code, s.Name, Time(s.DueAt), Hours(s.Standard), s.CompletedAt is { } c ? Time(c) : "-", s.Actual is { } a ? Hours(a) : "-", StatusName(s.Status) })),
            _ => TypedResults.Ok(report),
        };
    }

    private static async Task<IResult> AvailabilityAsync(RequestContext request, NpgsqlDataSource db, CancellationToken ct, string? month = null, string? format = null)
    {
        if (RequireReader(request) is { } forbidden) return forbidden;
        if (BadFormat(format) is { } invalid) return invalid;
        if (month is null || !DateOnly.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
            return Problems.Invalid("month", "Required, as yyyy-MM (e.g. 2026-11).");
        var end = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddMonths(1);
        List<LedgerEntry> rows;
        await using (var cmd = db.CreateCommand($"select {LedgerEntry.Columns} from ledger where tenant = $1 and recorded_at < $2 order by recorded_at, sequence"))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = end });
            rows = await LedgerEntry.ReadAllAsync(cmd, ct);
        }
        var report = AvailabilityReport.Build(first.Year, first.Month, rows);
        var lines = new List<string[]>();
        foreach (var (category, count) in report.ByCategory) lines.Add([$"kategori {category}", count.ToString(CultureInfo.InvariantCulture)]);
        lines.Add(["informasi ditambahkan", report.ItemsAdded.ToString(CultureInfo.InvariantCulture)]);
        lines.Add(["informasi diubah", report.ItemsChanged.ToString(CultureInfo.InvariantCulture)]);
        lines.Add(["informasi ditarik", report.ItemsWithdrawn.ToString(CultureInfo.InvariantCulture)]);
        lines.Add(["informasi dikecualikan yang dibuka", report.ItemsOpened.ToString(CultureInfo.InvariantCulture)]);
        lines.Add(["berkala terlambat", report.OverdueBerkala.ToString(CultureInfo.InvariantCulture)]);
        lines.Add(["serta merta terlambat", report.OverdueSertaMerta.ToString(CultureInfo.InvariantCulture)]);
        return format switch
        {
            "csv" => Csv($"ketersediaan-{report.Month}.csv", ["ukuran", "jumlah"], lines),
            "html" => Html($"Laporan ketersediaan informasi publik — {report.Month}", ["Ukuran", "Jumlah"], lines),
            _ => TypedResults.Ok(report),
        };
    }

    private static string Hours(TimeSpan t) => t.TotalHours.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string StatusName(string status) => status switch
    {
        "on-time" => "tepat waktu",
        "late" => "terlambat",
        "pending" => "belum selesai",
        _ => "tidak diketahui",
    };

    /// <summary>RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled; CRLF line ends.</summary>
    internal static Microsoft.AspNetCore.Http.HttpResults.FileContentHttpResult Csv(string fileName, string[] headers, IEnumerable<string[]> rows)
    {
        var csv = new StringBuilder();
        foreach (var row in rows.Prepend(headers))
            csv.Append(string.Join(",", row.Select(f => f.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + f.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : f))).Append("\r\n");
        return TypedResults.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv", fileName);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Html(string title, string[] headers, IEnumerable<string[]> rows)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n<title>{E(title)}</title>\n")
            .Append("<style>body{font-family:sans-serif;font-size:11pt;margin:2em}table{border-collapse:collapse}th,td{border:1px solid #888;padding:4px 6px;text-align:left}</style>\n")
            .Append(CultureInfo.InvariantCulture, $"</head>\n<body>\n<h1>{E(title)}</h1>\n<table>\n<thead><tr>");
        foreach (var h in headers) html.Append(CultureInfo.InvariantCulture, $"<th>{E(h)}</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            foreach (var cell in row) html.Append(CultureInfo.InvariantCulture, $"<td>{E(cell)}</td>");
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n</body>\n</html>\n");
        return TypedResults.Content(html.ToString(), "text/html; charset=utf-8");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
