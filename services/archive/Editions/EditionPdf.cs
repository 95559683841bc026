using System.Globalization;
using Ppid.Contracts.Publication;
using Ppid.Platform.Documents;

namespace Ppid.Archive.Editions;

/// <summary>
/// Renders an archived edition as a PDF document (A4, Bahasa Indonesia): the DIP entries with
/// fields a–g, the DIK, and the edition's content hash, written as PDF 1.4 by the
/// platform's writer (standard Helvetica, nothing embedded), so the same edition always gives the same bytes.
/// </summary>
public static class EditionPdf
{
    public static byte[] Render(string tenant, EditionPublished edition)
    {
        var pdf = new PdfWriter($"DIP edisi {edition.Number} - {tenant}");
        pdf.Text($"Daftar Informasi Publik - edisi {edition.Number}", 14, bold: true);
        pdf.Text($"Badan publik: {tenant}", 10);
        pdf.Text($"Berlaku sejak {Date(edition.EffectiveDate)}; diterbitkan {edition.PublishedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)} oleh {edition.PublishedBy}", 10);
        pdf.Text($"Hash isi (SHA-256): {edition.ContentHash}", 8);
        pdf.Gap();
        pdf.Text("Daftar Informasi Publik (DIP)", 12, bold: true);
        foreach (var e in edition.Entries)
        {
            pdf.Text($"{e.Number}. {e.Title} [{CategoryName(e.Category)}]", 10, bold: true);
            pdf.Text($"Ringkasan: {e.Summary}", 9);
            pdf.Text($"Penguasaan: {e.HoldingUnit}; penanggung jawab: {e.ResponsibleOfficial}", 9);
            pdf.Text($"Waktu dan tempat pembuatan: {Date(e.ProductionDate)}, {e.ProductionPlace}", 9);
            pdf.Text($"Bentuk: {string.Join(", ", e.Forms.Select(f => $"{f.Form} ({f.Format})"))}; retensi: {e.Retention} ({e.RecordClass}); SK {e.DecreeNumber}", 9);
        }
        pdf.Gap();
        pdf.Text("Daftar Informasi yang Dikecualikan (DIK)", 12, bold: true);
        foreach (var d in edition.Exemptions)
        {
            pdf.Text($"{d.Number}. {d.Title} - Pasal 17 huruf {d.Pasal17Letter}{(d.Pasal17SubPoint is null ? "" : " " + d.Pasal17SubPoint)}", 10, bold: true);
            pdf.Text($"Dasar hukum: {d.LegalBasis}; {d.PublicSummary}; dikecualikan sampai {(d.ExemptUntil is { } until ? Date(until) : "tidak terbatas")}; SK {d.DecreeNumber}", 9);
        }
        return pdf.ToBytes();
    }

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string CategoryName(Contracts.Classification.Category c) => c switch
    {
        Contracts.Classification.Category.Berkala => "berkala",
        Contracts.Classification.Category.SertaMerta => "serta merta",
        Contracts.Classification.Category.SetiapSaat => "setiap saat",
        _ => "dikecualikan",
    };
}
