using System.Net;
using System.Text.Json;
using Ppid.Contracts.Registry;
using Shouldly;
using Xunit;

namespace Ppid.Archive.Tests;

/// <summary>An auditor's view of an item across services: history with diffs, state and the DIP as of an instant, the timeline.</summary>
public sealed class AuditTests(ArchiveWithUpstreams api) : IClassFixture<ArchiveWithUpstreams>
{
    private static string Q(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O"));

    [Fact]
    public async Task An_items_history_lists_every_step_across_services_with_who_which_decision_and_the_field_changes()
    {
        var s = await Scenario.RunAsync(api, "audit-history");
        using var client = api.Auditor(s.Tenant);

        var history = await ArchiveWithUpstreams.JsonAsync(await client.GetAsync($"/api/v1/archive/audit/items/{s.ItemId}/history"));
        var steps = history.GetProperty("steps").EnumerateArray().ToList();
        steps.Select(x => x.GetProperty("service").GetString()).ShouldBe(["registry", "registry", "classification", "publication", "registry", "publication"]);
        steps.Select(x => x.GetProperty("recordedAt").GetDateTimeOffset()).ShouldBeInOrder(SortDirection.Ascending);

        var revised = steps[1];
        revised.GetProperty("who").GetProperty("person").GetString().ShouldBe("officer-7");
        revised.GetProperty("who").GetProperty("role").GetString().ShouldBe("petugas");
        revised.GetProperty("who").GetProperty("clientSystem").GetString().ShouldBe("ppid-portal");
        var titleChange = revised.GetProperty("changes").EnumerateArray().Single();
        titleChange.GetProperty("path").GetString().ShouldBe("registry.title");
        titleChange.GetProperty("old").GetString().ShouldBe(Scenario.Title0);
        titleChange.GetProperty("new").GetString().ShouldBe(Scenario.Title1);

        var ratified = steps[2];
        ratified.GetProperty("decision").GetString().ShouldBe("SK 188/12/2026");
        ratified.GetProperty("who").GetProperty("role").GetString().ShouldBe("atasan-ppid");
        ratified.GetProperty("changes").EnumerateArray().ShouldContain(c => c.GetProperty("path").GetString() == "classification.category" && c.GetProperty("new").GetString() == "berkala");

        var published = steps[3];
        published.GetProperty("changes").EnumerateArray().ShouldContain(c => c.GetProperty("path").GetString() == "publication.edition" && c.GetProperty("new").GetInt32() == 1);
        history.GetProperty("state").GetProperty("publication").GetProperty("edition").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task An_items_state_as_of_an_instant_equals_what_the_services_held_then()
    {
        var s = await Scenario.RunAsync(api, "audit-state");
        using var client = api.Auditor(s.Tenant);

        foreach (var instant in new[] { s.AfterRegistered, s.AfterRevised, s.AfterRatified, s.AfterEdition2 })
        {
            var state = await ArchiveWithUpstreams.JsonAsync(await client.GetAsync($"/api/v1/archive/audit/items/{s.ItemId}/state?at={Q(instant)}"));
            // What the registry held then: its own stream read as of the instant.
            var held = await api.Registry.Store.ReadStreamAsOfAsync(s.RegistryStream, instant);
            var title = held.Select(e => e.Data switch
            {
                InformationItemRegistered r => r.Title,
                InformationItemRevised v => v.Title,
                _ => null,
            }).Last(t => t is not null);
            state.GetProperty("state").GetProperty("registry").GetProperty("title").GetString().ShouldBe(title);
            // The classification held the ratification only from its recording on.
            state.GetProperty("state").TryGetProperty("classification", out var classification).ShouldBe(instant >= s.AfterRatified);
            if (instant >= s.AfterRatified) classification.GetProperty("category").GetString().ShouldBe("berkala");
        }
    }

    [Fact]
    public async Task The_DIP_as_of_an_instant_is_the_edition_in_force_then_with_its_proof()
    {
        var s = await Scenario.RunAsync(api, "audit-dip");
        using var client = api.Auditor(s.Tenant);

        (await client.GetAsync($"/api/v1/archive/audit/dip?at={Q(s.AfterRatified)}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var first = await ArchiveWithUpstreams.JsonAsync(await client.GetAsync($"/api/v1/archive/audit/dip?at={Q(s.AfterEdition1)}"));
        first.GetProperty("edition").GetInt32().ShouldBe(1);
        first.GetProperty("contentHash").GetString().ShouldBe(s.Edition1.ContentHash);
        first.GetProperty("content").GetProperty("entries")[0].GetProperty("title").GetString().ShouldBe(Scenario.Title1);
        var proof = first.GetProperty("proof");
        var source = (await api.Publication.Store.ReadStreamAsync($"edition-{s.Edition1.EditionId}"))[0].Stored;
        proof.GetProperty("eventHash").GetString().ShouldBe(Convert.ToHexStringLower(source.Hash));
        proof.GetProperty("ledgerSequence").GetInt64().ShouldBe(await api.CountAsync("select sequence from ledger where event_id = $1", source.EventId));
        proof.GetProperty("ledgerRootHash").GetString().ShouldNotBeNullOrEmpty();

        var second = await ArchiveWithUpstreams.JsonAsync(await client.GetAsync($"/api/v1/archive/audit/dip?at={Q(s.AfterEdition2)}"));
        second.GetProperty("edition").GetInt32().ShouldBe(2);
        second.GetProperty("contentHash").GetString().ShouldBe(s.Edition2.ContentHash);
    }

    [Fact]
    public async Task The_timeline_is_printable_html_in_bahasa_indonesia_with_every_value_encoded()
    {
        var s = await Scenario.RunAsync(api, "audit-timeline");
        using var client = api.Auditor(s.Tenant);
        using var response = await client.GetAsync($"/api/v1/archive/audit/items/{s.ItemId}/timeline");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldContain("<html lang=\"id\">");
        html.ShouldContain("Riwayat perubahan informasi");
        html.ShouldContain("SK 188/12/2026");
        html.ShouldContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; final");
        html.ShouldNotContain("<script>");
    }

    [Fact]
    public async Task Another_tenants_item_is_not_found_and_only_auditors_read_histories()
    {
        var s = await Scenario.RunAsync(api, "audit-isolation");
        using (var other = api.Auditor("audit-other"))
            (await other.GetAsync($"/api/v1/archive/audit/items/{s.ItemId}/history")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var officer = api.Client(s.Tenant, "petugas");
        (await officer.GetAsync($"/api/v1/archive/audit/items/{s.ItemId}/history")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
