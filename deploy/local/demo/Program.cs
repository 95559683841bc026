using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Ppid.Demo;

// Seeds the demo tenant of a locally running suite: a small DIP that went through the real SOP
// (units hand items over, the secretariat verifies, classification with a consequence test,
// ratification, edition 1 published), and a demo API key. Idempotent: a tenant that already has
// an edition is left alone, the key in the output file is reused while it works, and every step
// carries a stable Idempotency-Key, so a start interrupted midway resumes instead of duplicating.
//   dotnet Ppid.Demo.dll --gateway http://127.0.0.1:8080 --gateway-dll <Ppid.Gateway.dll> --out .run/demo.txt [--tenant kota-contoh]
// The gateway's database for its key tool comes from ConnectionStrings__Postgres.
var options = ParseOptions(args);
if (options is null)
{
    await Console.Error.WriteLineAsync("usage: Ppid.Demo --gateway <url> --gateway-dll <path to Ppid.Gateway.dll> --out <file> [--tenant <tenant>]  (ConnectionStrings__Postgres = the gateway's database)");
    return 2;
}
var gateway = new Uri(options["gateway"].TrimEnd('/') + "/");
var tenant = options.GetValueOrDefault("tenant", "kota-contoh");
var output = options["out"];
try
{
    using var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
    var key = await ReusableKeyAsync(http, output) ?? await CreateKeyAsync(options["gateway-dll"], tenant);
    var api = new PpidApi(http, key);
    // The gateway is ready (200, "Degraded") while a service it routes to is still out of rotation, until
    // its next health probe: wait until it routes to every service ("Healthy"), or the first step is a 503.
    // The overall status is the worst of the checks, so "Healthy" means every service is in rotation.
    await PpidApi.EventuallyAsync("the gateway routing to every service", async () =>
    {
        using var ready = await http.GetAsync(new Uri("health/ready", UriKind.Relative));
        var report = await ready.Content.ReadFromJsonAsync<JsonObject>();
        return report?["status"]?.GetValue<string>();
    }, status => status == "Healthy", TimeSpan.FromSeconds(60));
    var editions = await api.ExpectAsync("list editions", HttpMethod.Get, "/api/v1/publication/editions");
    if (editions.Json.GetArrayLength() > 0)
        Console.WriteLine($"[demo] {tenant} already has a published DIP; nothing to seed.");
    else
    {
        Console.WriteLine($"[demo] seeding {tenant} through the SOP (a few seconds)…");
        await SeedAsync(new Sop(api, api, api, api, api) { KeyPrefix = $"demo-{tenant}-v1" });
        Console.WriteLine($"[demo] {tenant}: edition 1 published.");
    }
    await WriteSummaryAsync(output, gateway, tenant, key);
    return 0;
}
catch (Exception e) when (e is UnexpectedAnswerException or HttpRequestException or TimeoutException or TaskCanceledException or InvalidOperationException)
{
    // Nothing stale: print_endpoints would show an old file as if it were current.
    File.Delete(output);
    await Console.Error.WriteLineAsync($"[demo] seeding the demo tenant failed: {e.Message}");
    return 1;
}

static Dictionary<string, string>? ParseOptions(string[] args)
{
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) return null;
        options[args[i][2..]] = args[i + 1];
    }
    return options.ContainsKey("gateway") && options.ContainsKey("gateway-dll") && options.ContainsKey("out") ? options : null;
}

// The key written by an earlier start, if the gateway still accepts it (it may have been revoked, or the databases reset).
static async Task<string?> ReusableKeyAsync(HttpClient http, string output)
{
    if (!File.Exists(output)) return null;
    var line = (await File.ReadAllLinesAsync(output)).FirstOrDefault(l => l.StartsWith("api key:", StringComparison.Ordinal));
    var key = line?["api key:".Length..].Trim().Split(' ')[0];
    if (string.IsNullOrEmpty(key)) return null;
    var answer = await new PpidApi(http, key).GetAsync("/api/v1/publication/editions");
    return answer.Status == HttpStatusCode.OK ? key : null;
}

// As an operator makes the first key: the gateway's command-line tool on the gateway's database.
static async Task<string> CreateKeyAsync(string gatewayDll, string tenant)
{
    var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var argument in (string[])[gatewayDll, "keys", "create", "--tenant", tenant, "--client", "demo",
                 "--scopes", "admin,registry:write,classification:propose,classification:decide,classification:ratify,publication:publish,archive:manage,audit:read"])
        info.ArgumentList.Add(argument);
    using var process = Process.Start(info)!;
    var stdout = process.StandardOutput.ReadToEndAsync();
    var stderr = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    var text = await stdout;
    var key = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("key:", StringComparison.Ordinal))?["key:".Length..].Trim();
    return process.ExitCode == 0 && !string.IsNullOrEmpty(key)
        ? key
        : throw new InvalidOperationException($"the gateway's key tool failed (exit {process.ExitCode}): {await stderr}{text}");
}

static async Task SeedAsync(Sop sop)
{
    var unitSetda = new Actor("rahmat.setda", "unit-kerja");
    var unitBappeda = new Actor("lina.bappeda", "unit-kerja");
    var unitDinsos = new Actor("yusuf.dinsos", "unit-kerja");
    var sekretariat = new Actor("maria.sekretariat", "sekretariat");
    var petugas = new Actor("andi.petugas", "petugas");
    var ppid = new Actor("sri.ppid", "ppid");
    var tim = new Actor("joko.tim", "tim-pelayanan");
    var atasan = new Actor("wahyu.atasan", "atasan-ppid");

    await sop.PutUnitAsync(sekretariat, "SETDA", "Sekretariat Daerah");
    await sop.PutUnitAsync(sekretariat, "BAPPEDA", "Badan Perencanaan Pembangunan Daerah");
    await sop.PutUnitAsync(sekretariat, "DINSOS", "Dinas Sosial");
    await sop.PutRecordClassAsync(sekretariat, "900", "Keuangan");
    await sop.PutRecordClassAsync(sekretariat, "100.3", "Peraturan dan produk hukum");
    await sop.PutRecordClassAsync(sekretariat, "400.9", "Kesejahteraan sosial");

    var (lkpd, _) = await sop.RegisterAsync(unitSetda, Sop.Item("Laporan Keuangan Pemerintah Daerah Tahun 2025",
        "Neraca, laporan realisasi anggaran dan catatan atas laporan keuangan Pemerintah Kota Contoh.", "SETDA", "report", "900"), "lkpd");
    var (perwal, _) = await sop.RegisterAsync(unitSetda, Sop.Item("Peraturan Wali Kota Nomor 12 Tahun 2025 tentang Standar Layanan Informasi Publik",
        "Standar layanan, jangka waktu dan biaya layanan informasi publik.", "SETDA", "regulation", "100.3"), "perwal");
    var (lkjip, _) = await sop.RegisterAsync(unitBappeda, Sop.Item("Laporan Kinerja Instansi Pemerintah (LKjIP) 2025",
        "Capaian indikator kinerja utama Pemerintah Kota Contoh.", "BAPPEDA", "report", "900"), "lkjip");
    var (bansos, _) = await sop.RegisterAsync(unitDinsos, Sop.Item("Data Rinci Penerima Bantuan Sosial Tunai 2025",
        "Nama, NIK, alamat dan kondisi keuangan keluarga penerima.", "DINSOS", "dataset", "400.9"), "bansos");

    var cycle = await sop.OpenCycleAsync(sekretariat, "DIP 2026 (demo)", 2026);
    await sop.SubmitAsync(unitSetda, cycle, "SETDA", [lkpd, perwal], "setda");
    await sop.SubmitAsync(unitBappeda, cycle, "BAPPEDA", [lkjip], "bappeda");
    await sop.SubmitAsync(unitDinsos, cycle, "DINSOS", [bansos], "dinsos");
    foreach (var (item, name) in new[] { (lkpd, "lkpd"), (perwal, "perwal"), (lkjip, "lkjip"), (bansos, "bansos") })
        await sop.VerifyAsync(sekretariat, cycle, item, "accepted", null, name);
    await sop.CloseAsync(sekretariat, cycle);

    var proposals = new (Guid Item, string Name, JsonObject Proposal)[]
    {
        (lkpd, "lkpd", new JsonObject { ["itemId"] = lkpd, ["category"] = "berkala", ["intervalMonths"] = 6, ["rationale"] = "Laporan keuangan wajib diumumkan berkala (Pasal 9 ayat 2 huruf c)." }),
        (lkjip, "lkjip", new JsonObject { ["itemId"] = lkjip, ["category"] = "berkala", ["intervalMonths"] = 6, ["rationale"] = "Laporan kinerja (Pasal 9 ayat 2 huruf b)." }),
        (perwal, "perwal", new JsonObject { ["itemId"] = perwal, ["category"] = "setiap-saat", ["rationale"] = "Peraturan tersedia setiap saat (Pasal 11 ayat 1 huruf c)." }),
        (bansos, "bansos", new JsonObject
        {
            ["itemId"] = bansos, ["category"] = "dikecualikan", ["rationale"] = "Memuat data pribadi dan kondisi keuangan keluarga penerima.",
            ["consequenceTest"] = new JsonObject
            {
                ["exemptPart"] = "NIK, alamat dan kondisi keuangan keluarga penerima",
                ["wholeDocument"] = false,
                ["pasal17Letter"] = "h",
                ["pasal17SubPoint"] = "3",
                ["legalBasis"] = "Pasal 17 huruf h angka 3 UU 14/2008; UU 27/2022 tentang Pelindungan Data Pribadi",
                ["consequenceIfOpened"] = "Data pribadi penerima dapat disalahgunakan dan penerima terstigmatisasi.",
                ["consequenceIfClosed"] = "Jumlah penerima dan anggaran per kelurahan tetap diumumkan; publik tetap dapat mengawasi.",
                ["publicInterestBalance"] = "Pelindungan data pribadi lebih besar daripada kepentingan publik atas identitas penerima.",
                ["publicSummary"] = "Data pribadi penerima bantuan sosial (NIK, alamat, kondisi keuangan).",
                ["exemptUntil"] = "2035-12-31",
                ["redactionNotes"] = "Kolom NIK, alamat dan penghasilan dihitamkan; rekap per kelurahan dibuka.",
            },
        }),
    };
    var decree = 1;
    foreach (var (_, name, proposal) in proposals)
    {
        var (id, etag) = await sop.ProposeAsync(petugas, proposal, name);
        await sop.ConsultAndRatifyAsync(id, etag, name, ppid, tim, atasan, string.Create(CultureInfo.InvariantCulture, $"188.4/{decree++:000}/PPID/2026"));
    }
    await sop.PublishWhenDraftHasAsync(ppid, dipEntries: 3, dikEntries: 1);
}

static async Task WriteSummaryAsync(string output, Uri gateway, string tenant, string key)
{
    var root = gateway.ToString().TrimEnd('/');
    var text = new StringBuilder()
        .AppendLine(CultureInfo.InvariantCulture, $"tenant:     {tenant}")
        .AppendLine(CultureInfo.InvariantCulture, $"api key:    {key}   (admin + every scope of {tenant}; development only)")
        .AppendLine(CultureInfo.InvariantCulture, $"public DIP: {root}/{tenant}/dip")
        .AppendLine(CultureInfo.InvariantCulture, $"DIK:        {root}/{tenant}/dip/dik")
        .AppendLine(CultureInfo.InvariantCulture, $"API docs:   {root}/docs")
        .AppendLine(CultureInfo.InvariantCulture, $"try:        curl -H 'X-Api-Key: {key}' {root}/api/v1/registry/items")
        .ToString();
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    await File.WriteAllTextAsync(output, text);
    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(output, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    Console.WriteLine($"[demo] demo tenant, key and URLs in {output}");
}
