using Ppid.Testing;
using Ppid.Testing.Load;
using Xunit.Abstractions;

namespace Ppid.EndToEnd.Tests;

/// <summary>
/// Issue 9's load driver, small: two tenants take eight items each through the whole SOP through the
/// gateway, and the suite then reconciles one to one with what the driver was told was accepted.
/// The fault scenarios and the benchmarks run the same driver bigger.
/// </summary>
public sealed class LoadDriverTests(UnthrottledSuite suite, ITestOutputHelper output) : IClassFixture<UnthrottledSuite>
{
    [Fact]
    public async Task The_whole_SOP_under_load_reconciles_one_to_one()
    {
        using var http = suite.Client();
        var options = new SopLoadOptions { Tenants = 2, ItemsPerTenant = 8, ItemsPerRound = 4, CommandsPerSecond = 40, TenantPrefix = "kota-uji-beban" };
        var tenants = await SopLoad.PrepareTenantsAsync(http, options, tenant => suite.CreateKeyAsync(tenant, SopLoad.AllScopes, "load-driver"));
        var load = new SopLoad(http, tenants, options);

        var result = await load.RunAsync();
        output.WriteLine(SopLoadReport.Describe(result));

        result.Unexpected.ShouldBeEmpty();
        result.NotSeen.ShouldBeEmpty();
        result.Refusals.ShouldBeEmpty("nothing failed, so nothing was refused");
        // 2 tenants × 2 rounds × (open, submit, close, publish) + 16 items × (register, verify, propose, 2 comments, meeting, determine, ratify).
        result.AcceptedCommands.ShouldBe(2 * 2 * 4 + 16 * 8);
        result.RatificationToPublic.Count.ShouldBe(2 * 2, "each tenant's two serta-merta items were seen on the public page");
        result.RatificationToArchived.Count.ShouldBe(2 * 2);
        result.EditionToArchived.Count.ShouldBe(2 * 2, "each round's edition was archived");

        var reconciliation = await SopReconciliation.CheckAsync(suite, tenants, TimeSpan.FromSeconds(60));
        output.WriteLine(SopLoadReport.Describe(reconciliation));
        reconciliation.Problems.ShouldBeEmpty();
        reconciliation.Checks.ShouldContain(c => c.What == "kota-uji-beban-1: registry.item-registered.v1 events" && c.Actual == 8);
        reconciliation.Checks.ShouldContain(c => c.What == "kota-uji-beban-2: publication.entry-published.v1 events" && c.Actual == 2);
    }
}
