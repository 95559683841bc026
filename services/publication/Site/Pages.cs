using Microsoft.AspNetCore.Http.HttpResults;
using Ppid.Contracts.Publication;
using Ppid.Platform.EventSourcing;
using Ppid.Publication.Editions;

namespace Ppid.Publication.Site;

/// <summary>
/// The public website at /{tenant}/dip: server-rendered HTML in Bahasa Indonesia that works
/// without JavaScript. Every page is rendered from public types only.
/// </summary>
public static class Pages
{
    public static RouteGroupBuilder MapSite(this IEndpointRouteBuilder app)
    {
        var site = app.MapGroup("/{tenant}/dip").AddEndpointFilter(SiteCache.ConditionalAsync).CacheOutput(SiteCache.PolicyName);
        site.MapGet("", IndexAsync);
        site.MapGet("/item/{itemId:guid}", ItemAsync);
        site.MapGet("/dik", DikAsync);
        site.MapGet("/edisi", HistoryAsync);
        site.MapGet("/edisi/{number:int}", EditionAsync);
        site.MapGet("/unduh.{format}", (string tenant, string format, EventStore store, CancellationToken ct) => Exports.DownloadAsync(tenant, null, format, store, ct));
        site.MapGet("/edisi/{number:int}/unduh.{format}", (string tenant, int number, string format, EventStore store, CancellationToken ct) =>
            Exports.DownloadAsync(tenant, number, format, store, ct));
        return site;
    }

    private static async Task<IResult> IndexAsync(string tenant, string? kategori, string? unit, string? q, EventStore store, CancellationToken ct)
    {
        var data = await SiteData.LoadAsync(store, tenant, ct);
        var h = new Html();
        h.El("h1", "Daftar Informasi Publik (DIP)");
        if (data.SertaMerta.Count > 0)
        {
            h.Tag("<section aria-labelledby=\"serta-merta\" class=\"urgent\">").El("h2", "Informasi serta merta", "id=\"serta-merta\"")
                .El("p", "Informasi yang dapat mengancam hajat hidup orang banyak dan ketertiban umum, diumumkan segera (Pasal 10 UU 14/2008).");
            EntryList(h, tenant, data.SertaMerta.Select(s => s.Entry), showNumber: false, caption: "Informasi serta merta");
            h.Tag("</section>");
        }
        if (data.NewlyOpened.Count > 0)
        {
            h.Tag("<section aria-labelledby=\"baru-dibuka\">").El("h2", "Informasi yang baru dibuka", "id=\"baru-dibuka\"")
                .El("p", "Informasi yang semula dikecualikan dan kini terbuka; masuk ke DIP pada edisi berikutnya.");
            EntryList(h, tenant, data.NewlyOpened, showNumber: false, caption: "Informasi yang baru dibuka");
            h.Tag("</section>");
        }
        if (data.Current is not { } current)
        {
            h.El("h2", "Belum ada edisi DIP").El("p", "Badan publik ini belum menerbitkan edisi Daftar Informasi Publik. Silakan kembali lagi nanti.");
            return Page(tenant, "Daftar Informasi Publik", h);
        }
        var e = current.Edition;
        h.Tag("<section aria-labelledby=\"edisi\">").El("h2", $"Edisi {e.Number}, berlaku sejak {Html.Date(e.EffectiveDate)}", "id=\"edisi\"");
        h.Tag("<p>").Text($"Diterbitkan {Html.DateTime(e.PublishedAt)}. ").Link($"/{tenant}/dip/edisi/{e.Number}", "Rincian edisi dan sidik jari (hash)").Tag("</p>");
        Downloads(h, $"/{tenant}/dip");
        var units = e.Entries.Select(x => x.HoldingUnit).Distinct().Order(StringComparer.Ordinal).ToList();
        h.Tag("<form method=\"get\" role=\"search\" class=\"filters\">")
            .Tag("<div><label for=\"kategori\">Kategori</label><select id=\"kategori\" name=\"kategori\"><option value=\"\">Semua kategori</option>");
        foreach (var c in new[] { Contracts.Classification.Category.SertaMerta, Contracts.Classification.Category.Berkala, Contracts.Classification.Category.SetiapSaat })
            h.Tag($"<option value=\"{Html.CategorySlug(c)}\"{(kategori == Html.CategorySlug(c) ? " selected" : "")}>").Text(Html.CategoryName(c)).Tag("</option>");
        h.Tag("</select></div><div><label for=\"unit\">Unit kerja</label><select id=\"unit\" name=\"unit\"><option value=\"\">Semua unit</option>");
        foreach (var u in units) h.Tag($"<option value=\"{Html.Attr(u)}\"{(unit == u ? " selected" : "")}>").Text(u).Tag("</option>");
        h.Tag($"</select></div><div><label for=\"q\">Cari</label><input id=\"q\" name=\"q\" type=\"search\" value=\"{Html.Attr(q ?? "")}\"></div>")
            .Tag("<div><button type=\"submit\">Terapkan</button></div></form>");
        var shown = Filter(e.Entries, kategori, unit, q).ToList();
        h.El("p", $"Menampilkan {shown.Count} dari {e.Entries.Count} informasi.", "role=\"status\"");
        EntryList(h, tenant, shown, showNumber: true, caption: $"Daftar Informasi Publik edisi {e.Number}");
        h.Tag("<p>").Link($"/{tenant}/dip/dik", $"Daftar Informasi yang Dikecualikan ({e.Exemptions.Count})").Tag("</p></section>");
        return Page(tenant, "Daftar Informasi Publik", h);
    }

    public static IEnumerable<DipEntry> Filter(IEnumerable<DipEntry> entries, string? kategori, string? unit, string? q)
    {
        if (!string.IsNullOrWhiteSpace(kategori)) entries = entries.Where(x => Html.CategorySlug(x.Category) == kategori);
        if (!string.IsNullOrWhiteSpace(unit)) entries = entries.Where(x => x.HoldingUnit == unit);
        if (!string.IsNullOrWhiteSpace(q))
        {
            var term = q.Trim();
            entries = entries.Where(x => new[] { x.Title, x.Summary, x.HoldingUnit, x.ResponsibleOfficial, x.ProductionPlace, x.DecreeNumber }
                .Any(f => f.Contains(term, StringComparison.OrdinalIgnoreCase)));
        }
        return entries;
    }

    private static void EntryList(Html h, string tenant, IEnumerable<DipEntry> entries, bool showNumber, string caption)
    {
        h.Tag("<div class=\"table\"><table>").El("caption", caption).Tag("<thead><tr>");
        if (showNumber) h.Tag("<th scope=\"col\">No.</th>");
        h.Tag("<th scope=\"col\">Informasi dan ringkasan isi</th><th scope=\"col\">Kategori</th><th scope=\"col\">Pejabat/unit penguasa</th>")
            .Tag("<th scope=\"col\">Penanggung jawab</th><th scope=\"col\">Waktu dan tempat pembuatan</th><th scope=\"col\">Bentuk tersedia</th>")
            .Tag("<th scope=\"col\">Jangka waktu penyimpanan</th></tr></thead><tbody>");
        foreach (var x in entries)
        {
            h.Tag("<tr>");
            if (showNumber) h.El("td", x.Number.ToString(Html.Indonesian));
            h.Tag("<td>").Link($"/{tenant}/dip/item/{x.ItemId}", x.Title);
            if (x.NewlyOpened) h.Tag(" <span class=\"badge\">").Text("baru dibuka").Tag("</span>");
            h.El("p", x.Summary).Tag("</td>");
            h.El("td", Category(x)).El("td", x.HoldingUnit).El("td", x.ResponsibleOfficial)
                .El("td", $"{Html.Date(x.ProductionDate)}, {x.ProductionPlace}").El("td", Html.Forms(x.Forms)).El("td", x.Retention).Tag("</tr>");
        }
        h.Tag("</tbody></table></div>");
    }

    private static string Category(DipEntry x) =>
        x.IntervalMonths is { } months ? $"{Html.CategoryName(x.Category)} (setiap {months} bulan)" : Html.CategoryName(x.Category);

    private static void Downloads(Html h, string basePath)
    {
        h.Tag("<nav aria-label=\"Unduhan\"><p>Unduh: ");
        foreach (var (ext, label) in new[] { ("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("json", "JSON"), ("pdf", "PDF") })
            h.Link($"{basePath}/unduh.{ext}", label).Tag(" ");
        h.Tag("</p></nav>");
    }

    private static async Task<IResult> ItemAsync(string tenant, Guid itemId, EventStore store, CancellationToken ct)
    {
        var (open, exempt) = await SiteData.ItemAsync(store, tenant, itemId, ct);
        var h = new Html();
        if (open is not null)
        {
            h.El("h1", open.Title).Tag("<dl class=\"fields\">");
            Field(h, "Nomor dalam edisi", open.Number > 0 ? open.Number.ToString(Html.Indonesian) : "Belum bernomor (diumumkan sebelum edisi berikutnya)");
            Field(h, "Ringkasan isi informasi", open.Summary);
            Field(h, "Kategori", Category(open) + (open.NewlyOpened ? " — baru dibuka" : ""));
            Field(h, "Pejabat atau unit yang menguasai informasi", open.HoldingUnit);
            Field(h, "Penanggung jawab pembuatan atau penerbitan", open.ResponsibleOfficial);
            Field(h, "Waktu dan tempat pembuatan", $"{Html.Date(open.ProductionDate)}, {open.ProductionPlace}");
            Field(h, "Bentuk informasi yang tersedia", Html.Forms(open.Forms));
            Field(h, "Jangka waktu penyimpanan", open.Retention);
            Field(h, "Nomor penetapan", open.DecreeNumber);
            h.Tag("</dl>");
            return Page(tenant, open.Title, h);
        }
        if (exempt is null) return NotFound(tenant, "Informasi tidak ditemukan", "Informasi ini tidak ada dalam daftar yang diterbitkan.");
        h.El("h1", exempt.Title).El("p", "Informasi ini dikecualikan (Pasal 17 UU 14/2008). Isinya tidak dapat diakses publik.").Tag("<dl class=\"fields\">");
        DikFields(h, exempt);
        h.Tag("</dl>");
        return Page(tenant, exempt.Title, h);
    }

    private static void DikFields(Html h, DikEntry x)
    {
        Field(h, "Pejabat atau unit yang menguasai informasi", x.HoldingUnit);
        Field(h, "Dasar pengecualian", Ground(x));
        Field(h, "Dasar hukum", x.LegalBasis);
        Field(h, "Ringkasan uji konsekuensi", x.PublicSummary);
        Field(h, "Dikecualikan sampai", x.ExemptUntil is { } until ? Html.Date(until) : "Tidak ditentukan");
        Field(h, "Nomor penetapan", x.DecreeNumber);
    }

    private static string Ground(DikEntry x) => $"Pasal 17 huruf {x.Pasal17Letter}{(x.Pasal17SubPoint is { } s ? " angka " + s : "")}";

    private static void Field(Html h, string label, string value) => h.El("dt", label).El("dd", value);

    private static async Task<IResult> DikAsync(string tenant, EventStore store, CancellationToken ct)
    {
        var current = await EditionQueries.LatestAsync(store.DataSource, tenant, ct);
        var h = new Html().El("h1", "Daftar Informasi yang Dikecualikan (DIK)");
        if (current is null) return Page(tenant, "DIK", h.El("p", "Belum ada edisi yang diterbitkan."));
        var e = current.Edition;
        h.El("p", $"Edisi {e.Number}, berlaku sejak {Html.Date(e.EffectiveDate)}. Setiap pengecualian ditetapkan setelah uji konsekuensi (Pasal 19 UU 14/2008).");
        DikTable(h, tenant, e.Exemptions);
        return Page(tenant, "Daftar Informasi yang Dikecualikan", h);
    }

    private static void DikTable(Html h, string tenant, IEnumerable<DikEntry> exemptions)
    {
        h.Tag("<div class=\"table\"><table>").El("caption", "Informasi yang dikecualikan")
            .Tag("<thead><tr><th scope=\"col\">No.</th><th scope=\"col\">Informasi</th><th scope=\"col\">Unit penguasa</th><th scope=\"col\">Dasar pengecualian</th>")
            .Tag("<th scope=\"col\">Dasar hukum</th><th scope=\"col\">Ringkasan uji konsekuensi</th><th scope=\"col\">Jangka waktu</th><th scope=\"col\">Nomor penetapan</th></tr></thead><tbody>");
        foreach (var x in exemptions)
        {
            h.Tag("<tr>").El("td", x.Number.ToString(Html.Indonesian)).Tag("<td>").Link($"/{tenant}/dip/item/{x.ItemId}", x.Title).Tag("</td>")
                .El("td", x.HoldingUnit).El("td", Ground(x)).El("td", x.LegalBasis).El("td", x.PublicSummary)
                .El("td", x.ExemptUntil is { } until ? "Sampai " + Html.Date(until) : "Tidak ditentukan").El("td", x.DecreeNumber).Tag("</tr>");
        }
        h.Tag("</tbody></table></div>");
    }

    private static async Task<IResult> HistoryAsync(string tenant, EventStore store, CancellationToken ct)
    {
        var editions = await EditionQueries.ListAsync(store.DataSource, tenant, ct);
        var h = new Html().El("h1", "Riwayat edisi DIP");
        if (editions.Count == 0) return Page(tenant, "Riwayat edisi", h.El("p", "Belum ada edisi yang diterbitkan."));
        h.Tag("<ul class=\"editions\">");
        foreach (var e in editions)
        {
            h.Tag("<li>").Link($"/{tenant}/dip/edisi/{e.Number}", $"Edisi {e.Number}")
                .Text($" — berlaku sejak {Html.Date(e.EffectiveDate)}, {e.Entries} informasi publik, {e.Exemptions} dikecualikan").Tag("</li>");
        }
        h.Tag("</ul>");
        return Page(tenant, "Riwayat edisi", h);
    }

    private static async Task<IResult> EditionAsync(string tenant, int number, EventStore store, CancellationToken ct)
    {
        if (await EditionQueries.ByNumberAsync(store.DataSource, tenant, number, ct) is not { } stored)
            return NotFound(tenant, "Edisi tidak ditemukan", $"Edisi {number} belum diterbitkan.");
        var e = stored.Edition;
        var h = new Html().El("h1", $"Edisi {e.Number} Daftar Informasi Publik").Tag("<dl class=\"fields\">");
        Field(h, "Berlaku sejak", Html.Date(e.EffectiveDate));
        Field(h, "Diterbitkan", Html.DateTime(e.PublishedAt));
        Field(h, "Jumlah informasi publik", e.Entries.Count.ToString(Html.Indonesian));
        Field(h, "Jumlah informasi yang dikecualikan", e.Exemptions.Count.ToString(Html.Indonesian));
        Field(h, "Jumlah penetapan yang mendasari", e.RatificationIds.Count.ToString(Html.Indonesian));
        Field(h, "Sidik jari isi (SHA-256)", e.ContentHash);
        Field(h, "Hash akar buku besar arsip", stored.LedgerRootHash ?? "Belum diarsipkan");
        if (stored.LedgerPosition is { } position) Field(h, "Posisi buku besar", position.ToString(Html.Indonesian));
        h.Tag("</dl>");
        Downloads(h, $"/{tenant}/dip/edisi/{e.Number}");
        h.El("h2", "Daftar Informasi Publik");
        EntryList(h, tenant, e.Entries, showNumber: true, caption: $"Daftar Informasi Publik edisi {e.Number}");
        h.El("h2", "Daftar Informasi yang Dikecualikan");
        DikTable(h, tenant, e.Exemptions);
        return Page(tenant, $"Edisi {e.Number}", h);
    }

    public static ContentHttpResult NotFound(string tenant, string title, string message) =>
        Page(tenant, title, new Html().El("h1", title).El("p", message).Tag("<p>").Link($"/{tenant}/dip", "Kembali ke Daftar Informasi Publik").Tag("</p>"),
            StatusCodes.Status404NotFound);

    private const string Style =
        """
        body{font-family:system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff;line-height:1.5}
        header,main,footer{padding:0 1rem;max-width:80rem;margin:0 auto}
        a{color:#0b4f9c}a:focus,button:focus,input:focus,select:focus{outline:3px solid #b35c00;outline-offset:2px}
        .skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
        table{border-collapse:collapse;width:100%}th,td{border:1px solid #666;padding:.4rem;text-align:left;vertical-align:top}
        caption{text-align:left;font-weight:bold;padding:.4rem 0}.table{overflow-x:auto}
        .urgent{border-left:6px solid #a30000;padding-left:1rem}.badge{background:#0b5d1e;color:#fff;padding:0 .4rem;border-radius:.3rem}
        .filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:end}label{display:block;font-weight:bold}
        dt{font-weight:bold}dd{margin:0 0 .6rem 0}
        """;

    private static ContentHttpResult Page(string tenant, string title, Html body, int status = StatusCodes.Status200OK)
    {
        var page = new Html()
            .Tag("<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .El("title", $"{title} — PPID {tenant}").Tag("<style>").Tag(Style).Tag("</style></head><body>")
            .Tag("<a class=\"skip\" href=\"#konten\">Lewati ke konten utama</a><header><p><strong>").Text($"PPID {tenant}").Tag("</strong></p>")
            .Tag("<nav aria-label=\"Menu utama\"><ul>")
            .Tag("<li>").Link($"/{tenant}/dip", "Daftar Informasi Publik").Tag("</li>")
            .Tag("<li>").Link($"/{tenant}/dip/dik", "Informasi yang dikecualikan").Tag("</li>")
            .Tag("<li>").Link($"/{tenant}/dip/edisi", "Riwayat edisi").Tag("</li>")
            .Tag("</ul></nav></header><main id=\"konten\" tabindex=\"-1\">").Tag(body.ToString()).Tag("</main>")
            .Tag("<footer><p>Diumumkan berdasarkan Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik.</p></footer></body></html>");
        return TypedResults.Text(page.ToString(), "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }
}
