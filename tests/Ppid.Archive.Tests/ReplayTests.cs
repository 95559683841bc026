using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ppid.Archive.Replay;
using Shouldly;
using Xunit;

namespace Ppid.Archive.Tests;

/// <summary>The archive's projections rebuild from zero, with progress, from the API and from the command line.</summary>
public sealed class ReplayTests(ArchiveWithUpstreams api) : IClassFixture<ArchiveWithUpstreams>
{
    [Fact]
    public async Task The_item_index_is_rebuilt_from_the_ledger_through_the_api_with_progress()
    {
        var s = await Scenario.RunAsync(api, "replay-api");
        using var auditor = api.Auditor(s.Tenant);
        var before = await auditor.GetStringAsync($"/api/v1/archive/audit/items/{s.ItemId}/history");
        await api.ExecuteAsync("delete from ledger_items where tenant = $1", s.Tenant);
        (await auditor.GetAsync($"/api/v1/archive/audit/items/{s.ItemId}/history")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        using var archivist = api.Client(s.Tenant, "arsiparis");
        using var response = await archivist.PostAsync("/api/v1/archive/replay/item-index", null);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/x-ndjson");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        lines.ShouldNotBeEmpty();
        var last = lines[^1];
        last.GetProperty("applied").GetInt64().ShouldBe(last.GetProperty("total").GetInt64());
        last.GetProperty("applied").GetInt64().ShouldBe(await api.CountAsync("select count(*) from ledger"));

        (await auditor.GetStringAsync($"/api/v1/archive/audit/items/{s.ItemId}/history")).ShouldBe(before);
        (await archivist.PostAsync("/api/v1/archive/replay/nothing", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await auditor.PostAsync("/api/v1/archive/replay/item-index", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Edition_records_are_rebuilt_from_the_archives_own_events_by_the_command_line_tool()
    {
        var s = await Scenario.RunAsync(api, "replay-cli");
        using var archivist = api.Client(s.Tenant, "arsiparis");
        (await archivist.PutAsJsonAsync($"/api/v1/archive/editions/{s.Edition1.EditionId}/legal-hold", new { hold = true, reason = "Sengketa" })).EnsureSuccessStatusCode();
        await api.ExecuteAsync("update archived_editions set legal_hold = false where tenant = $1", s.Tenant);

        using var output = new StringWriter();
        using var error = new StringWriter();
        (await ReplayCommand.RunAsync(api.Services, ["replay", "edition-records"], output, error)).ShouldBe(0, error.ToString());
        output.ToString().ShouldContain("edition-records: rebuilt");
        output.ToString().ShouldContain("100%");

        (await api.CountAsync("select count(*) from archived_editions where tenant = $1 and legal_hold", s.Tenant)).ShouldBe(1);
        (await ReplayCommand.RunAsync(api.Services, ["replay", "everything"], output, error)).ShouldBe(2);
        error.ToString().ShouldContain("usage");
    }
}
