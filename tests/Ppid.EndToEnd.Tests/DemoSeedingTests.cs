using System.Net;
using Ppid.Demo;
using Ppid.Testing;

namespace Ppid.EndToEnd.Tests;

/// <summary>
/// The newcomer's first minute (issue 7): the demo seeder that deploy/local/suite.sh runs publishes a
/// small DIP through the SOP and a working key, and a second run neither duplicates nor changes it.
/// </summary>
public sealed class DemoSeedingTests(Suite suite) : IClassFixture<Suite>
{
    [Fact]
    public async Task The_demo_seeds_a_published_DIP_and_a_key_once()
    {
        var demo = ServiceProcess.DllPath("deploy/local/demo", "Ppid.Demo");
        var output = Path.Combine(Path.GetTempPath(), $"ppid-demo-{Guid.NewGuid():N}.txt");
        string[] arguments = ["--gateway", suite.Gateway.BaseAddress.ToString(), "--gateway-dll", Suite.GatewayDll, "--tenant", "kota-demo", "--out", output];
        try
        {
            var (exitCode, log) = await suite.RunToolAsync(demo, arguments);
            exitCode.ShouldBe(0, log);
            var summary = await File.ReadAllTextAsync(output);
            var key = summary.Split('\n').Single(l => l.StartsWith("api key:", StringComparison.Ordinal))["api key:".Length..].Trim().Split(' ')[0];
            summary.ShouldContain($"{suite.Gateway.BaseAddress.ToString().TrimEnd('/')}/kota-demo/dip");
            summary.ShouldContain("/docs");

            using var http = suite.Client();
            var api = new PpidApi(http, key);
            var page = await new PpidApi(http, null).GetAsync("/kota-demo/dip");
            page.Status.ShouldBe(HttpStatusCode.OK);
            page.Body.ShouldContain("Laporan Keuangan Pemerintah Daerah Tahun 2025");
            var dik = await new PpidApi(http, null).GetAsync("/kota-demo/dip/dik");
            dik.Body.ShouldContain("Data Rinci Penerima Bantuan Sosial Tunai 2025");
            var items = (await api.GetAsync("/api/v1/registry/items?size=100")).Json.GetProperty("items").GetArrayLength();
            items.ShouldBe(4);

            var (again, againLog) = await suite.RunToolAsync(demo, arguments);
            again.ShouldBe(0, againLog);
            againLog.ShouldContain("nothing to seed");
            (await File.ReadAllTextAsync(output)).ShouldContain(key);
            (await api.GetAsync("/api/v1/registry/items?size=100")).Json.GetProperty("items").GetArrayLength().ShouldBe(items);
            (await api.GetAsync("/api/v1/publication/editions")).Json.GetArrayLength().ShouldBe(1);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
