using Microsoft.Playwright;
using Ppid.Contracts.Classification;
using Shouldly;

namespace Ppid.Publication.Tests;

/// <summary>Publication on real Kestrel (a browser needs a real port), with the same upstreams.</summary>
public sealed class PublicationOnKestrel : PublicationWithUpstreams
{
    public PublicationOnKestrel() => UseKestrel(0);

    /// <summary>Debian's Chromium (tests/run.sh installs it), or PPID_CHROMIUM.</summary>
    public static string Chromium =>
        Environment.GetEnvironmentVariable("PPID_CHROMIUM") is { Length: > 0 } path ? path
        : File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium"
        : throw new InvalidOperationException("Chromium is missing: apt-get install chromium (tests/run.sh does), or set PPID_CHROMIUM.");
}

/// <summary>
/// What a member of the public does, in headless Chromium without JavaScript: opens the tenant's
/// DIP, filters by category with the form, opens an item, downloads the CSV. A screenshot of each
/// page is saved under the test output (screenshots/).
/// </summary>
public sealed class BrowserTests(PublicationOnKestrel site) : IClassFixture<PublicationOnKestrel>
{
    [Fact]
    public async Task The_public_reads_filters_opens_an_item_and_downloads_the_csv_without_javascript()
    {
        var tenant = PublicationWithUpstreams.NewTenant();
        var berkala = Data.Item(title: "Laporan Keuangan Tahunan", unit: "BPKAD");
        var setiapSaat = Data.Item(title: "Daftar Aset Daerah", unit: "BPKAD");
        var exempt = Data.Item(title: "Berkas Penyidikan Kasus X", unit: "INSPEKTORAT", summary: "Keterangan saksi kunci dan alamatnya.");
        foreach (var item in new[] { berkala, setiapSaat, exempt }) await site.RegisterAsync(tenant, item);
        await site.RatifyAsync(tenant, Data.Ratified(berkala.ItemId, Category.Berkala, interval: 6));
        await site.RatifyAsync(tenant, Data.Ratified(setiapSaat.ItemId, Category.SetiapSaat));
        await site.RatifyAsync(tenant, Data.Ratified(exempt.ItemId, Category.Dikecualikan));
        await site.DraftReachesAsync(tenant, entries: 2, exemptions: 1);
        await site.PublishAsync(tenant);

        using var http = site.CreateClient();
        var baseUrl = http.BaseAddress!.ToString().TrimEnd('/');
        var shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = PublicationOnKestrel.Chromium, Headless = true });
        var context = await browser.NewContextAsync(new() { JavaScriptEnabled = false, AcceptDownloads = true, Locale = "id-ID" });
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync($"{baseUrl}/{tenant}/dip");
        response!.Status.ShouldBe(200);
        (await page.Locator("html").GetAttributeAsync("lang")).ShouldBe("id");
        (await page.Locator("h1").First.InnerTextAsync()).ShouldContain("Daftar Informasi Publik");
        var rows = page.Locator("table tbody tr");
        (await rows.CountAsync()).ShouldBe(2);
        (await page.ContentAsync()).ShouldNotContain(exempt.Title); // exempt items are in the DIK, not the DIP
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "dip.png"), FullPage = true });

        // Filter by category with the form, by its label, as a keyboard or screen-reader user would.
        await page.GetByLabel("Kategori").SelectOptionAsync(new SelectOptionValue { Label = "Berkala" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Terapkan" }).ClickAsync();
        // Waits for the navigation's commit, then lets the assertion wait for the new rows: waiting for the
        // load event instead once timed out after 30 s in a CI run with the page already there.
        await page.WaitForURLAsync(url => url.Contains("kategori=berkala", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        (await rows.First.InnerTextAsync()).ShouldContain(berkala.Title);
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "dip-berkala.png"), FullPage = true });

        // Open the item.
        await page.GetByRole(AriaRole.Link, new() { Name = berkala.Title }).ClickAsync();
        await page.WaitForURLAsync($"**/{tenant}/dip/item/{berkala.ItemId}", new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(berkala.Title);
        (await page.ContentAsync()).ShouldContain(berkala.Summary);
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "item.png"), FullPage = true });

        // Download the edition's CSV from the DIP page's link.
        await page.GotoAsync($"{baseUrl}/{tenant}/dip");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "CSV", Exact = true }).ClickAsync());
        var saved = Path.Combine(shots, "dip.csv");
        await download.SaveAsAsync(saved);
        var csv = await File.ReadAllTextAsync(saved);
        csv.ShouldContain(berkala.Title);
        csv.ShouldContain(setiapSaat.Title);
        // The CSV carries the DIK too: the exempt item's title and ground, never its contents.
        csv.ShouldContain(exempt.Title);
        csv.ShouldNotContain(exempt.Summary);
        File.Exists(Path.Combine(shots, "dip.png")).ShouldBeTrue();
    }
}
