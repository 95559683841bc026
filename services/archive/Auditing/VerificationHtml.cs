using System.Globalization;
using System.Net;
using System.Text;
using Ppid.Archive.Ledger;

namespace Ppid.Archive.Auditing;

/// <summary>The ledger verification report as printable HTML in Bahasa Indonesia; every value HTML-encoded.</summary>
public static class VerificationHtml
{
    public static string Render(VerificationReport report)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html lang="id">
            <head>
            <meta charset="utf-8">
            <title>Laporan verifikasi ledger {{E(report.Tenant)}}</title>
            <style>body { font-family: sans-serif; font-size: 11pt; margin: 2em; } table { border-collapse: collapse; } th, td { border: 1px solid #888; padding: 4px 6px; text-align: left; } .gagal { color: #a00; }</style>
            </head>
            <body>
            <h1>Laporan verifikasi ledger</h1>
            <p>Badan publik: {{E(report.Tenant)}}<br>Waktu verifikasi: {{E(report.VerifiedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture))}}<br>
            Aliran diperiksa: {{report.Streams}}; peristiwa diperiksa: {{report.Events}}</p>
            <p class="{{(report.Intact ? "utuh" : "gagal")}}"><strong>{{(report.Intact ? "Utuh: setiap rantai hash cocok." : "TIDAK UTUH: lihat temuan di bawah.")}}</strong></p>
            """);
        Table(html, "Temuan verifikasi", ["Layanan", "Aliran", "Versi", "Alasan"],
            report.Failures.Select(f => new[] { f.SourceService, f.StreamId, f.StreamVersion.ToString(CultureInfo.InvariantCulture), f.Reason }));
        Table(html, "Rantai terputus saat diterima", ["Layanan", "Aliran", "Versi", "Peristiwa", "Alasan"],
            report.BreaksOnArrival.Select(b => new[] { b.SourceService, b.StreamId, b.StreamVersion.ToString(CultureInfo.InvariantCulture), b.EventId.ToString(), b.Reason }));
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Table(StringBuilder html, string title, string[] headers, IEnumerable<string[]> rows)
    {
        var list = rows.ToList();
        html.Append(CultureInfo.InvariantCulture, $"<h2>{E(title)}</h2>\n");
        if (list.Count == 0) { html.Append("<p>Tidak ada.</p>\n"); return; }
        html.Append("<table><thead><tr>");
        foreach (var h in headers) html.Append(CultureInfo.InvariantCulture, $"<th>{E(h)}</th>");
        html.Append("</tr></thead><tbody>\n");
        foreach (var row in list) html.Append("<tr>").Append(string.Concat(row.Select(c => $"<td>{E(c)}</td>"))).Append("</tr>\n");
        html.Append("</tbody></table>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
