using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Ppid.Archive.Auditing;

/// <summary>A printable HTML timeline of an item's history for auditors, in Bahasa Indonesia; every value is HTML-encoded.</summary>
public static class Timeline
{
    public static string Render(string tenant, ItemHistoryResponse history, DateTimeOffset generatedAt)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html lang="id">
            <head>
            <meta charset="utf-8">
            <title>Riwayat informasi {{E(history.ItemId.ToString())}}</title>
            <style>
            body { font-family: sans-serif; font-size: 11pt; margin: 2em; }
            table { border-collapse: collapse; width: 100%; margin-bottom: 1em; }
            th, td { border: 1px solid #888; padding: 4px 6px; text-align: left; vertical-align: top; }
            .step { page-break-inside: avoid; margin-bottom: 1.5em; }
            .broken { color: #a00; font-weight: bold; }
            @media print { body { margin: 0; } }
            </style>
            </head>
            <body>
            <h1>Riwayat perubahan informasi</h1>
            <p>Badan publik: {{E(tenant)}}<br>Informasi: {{E(history.ItemId.ToString())}}<br>Dibuat: {{E(Time(generatedAt))}}; {{history.Steps.Count}} langkah</p>
            """);
        var number = 0;
        foreach (var step in history.Steps)
        {
            number++;
            html.Append(CultureInfo.InvariantCulture, $"""
                <section class="step">
                <h2>{number}. {E(step.Type)}</h2>
                <p>Waktu: {E(Time(step.RecordedAt))} · Layanan: {E(step.Service)} · Aliran: {E(step.StreamId)} v{step.StreamVersion} · Posisi ledger: {step.LedgerSequence}<br>
                Pelaku: {E(step.Who.Person ?? "-")} (peran: {E(step.Who.Role ?? "-")}, sistem: {E(step.Who.ClientSystem ?? "-")})<br>
                Keputusan: {E(step.Decision ?? "-")}{(step.ChainIntact ? "" : "<br><span class=\"broken\">Rantai hash terputus saat diterima</span>")}</p>
                """);
            if (step.Changes.Count == 0)
            {
                html.Append("<p>Tidak ada perubahan isian.</p>\n");
            }
            else
            {
                html.Append("<table><thead><tr><th>Isian</th><th>Sebelum</th><th>Sesudah</th></tr></thead><tbody>\n");
                foreach (var change in step.Changes)
                    html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(change.Path)}</td><td>{E(Value(change.Old))}</td><td>{E(Value(change.New))}</td></tr>\n");
                html.Append("</tbody></table>\n");
            }
            html.Append("</section>\n");
        }
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static string Value(JsonNode? node) => node switch
    {
        null => "—",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    private static string Time(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
