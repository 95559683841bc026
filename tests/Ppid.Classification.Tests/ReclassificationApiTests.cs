using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ppid.Contracts.Registry;

namespace Ppid.Classification.Tests;

/// <summary>Reclassification through the same workflow, opening by a Commission or court decision, and the worklist.</summary>
public sealed class ReclassificationApiTests(ApiWithRegistry api) : IClassFixture<ApiWithRegistry>
{
    private readonly Cycle _cycle = new(api);

    private static JsonObject Reclassification(Guid item, Guid supersedes, string category, string trigger = "monitoring")
    {
        var body = Api.Proposal(item, category);
        body["supersedes"] = supersedes;
        body["trigger"] = trigger;
        return body;
    }

    [Fact]
    public async Task A_reclassification_supersedes_the_earlier_one_once_ratified()
    {
        var item = await api.RegisterItemAsync();
        var (first, _) = await _cycle.RatifiedAsync(Api.Proposal(item, "dikecualikan"));
        using var petugas = api.Petugas();

        using (var withoutSupersedes = await petugas.SendAsync(HttpMethod.Post, Api.Classifications, Api.Proposal(item, "setiap-saat")))
            (await withoutSupersedes.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("type").GetString()!.ShouldEndWith("already-classified");

        var (second, etag) = await _cycle.DeterminedAsync(Reclassification(item, first, "setiap-saat", "public-input"));
        (await petugas.GetAsync(first)).GetProperty("status").GetString().ShouldBe("ratified"); // still in force until ratified
        using var atasan = api.Atasan();
        await atasan.StepAsync(second, "ratification", null, etag);

        var earlier = await petugas.GetAsync(first);
        earlier.GetProperty("status").GetString().ShouldBe("superseded");
        earlier.GetProperty("supersededBy").GetGuid().ShouldBe(second);
        var later = await petugas.GetAsync(second);
        later.GetProperty("supersedes").GetGuid().ShouldBe(first);
        later.GetProperty("trigger").GetString().ShouldBe("public-input");
        (await api.CountAsync($"select count(*) from events where stream_id = 'classification-{second}' and type = 'classification.classification-ratified.v1' and data->>'supersedes' = '{first}'"))
            .ShouldBe(1);
    }

    [Fact]
    public async Task A_reclassification_needs_its_trigger_and_names_the_current_classification()
    {
        var item = await api.RegisterItemAsync();
        var (first, _) = await _cycle.RatifiedAsync(Api.Proposal(item, "berkala"));
        using var petugas = api.Petugas();
        var noTrigger = Reclassification(item, first, "setiap-saat");
        noTrigger.Remove("trigger");
        using (var r = await petugas.SendAsync(HttpMethod.Post, Api.Classifications, noTrigger)) (await r.ValidationFieldsAsync()).ShouldBe(["trigger"]);
        using (var r = await petugas.SendAsync(HttpMethod.Post, Api.Classifications, Reclassification(item, Guid.NewGuid(), "setiap-saat")))
            (await r.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("type").GetString()!.ShouldEndWith("not-current");
    }

    [Theory]
    [InlineData("commission-decision", null, "setiap-saat")]
    [InlineData("court-decision", "berkala", "berkala")]
    public async Task A_Commission_or_court_decision_opens_an_exempt_item_at_once(string reason, string? openedAs, string expected)
    {
        var item = await api.RegisterItemAsync();
        var (id, etag) = await _cycle.RatifiedAsync(Api.Proposal(item, "dikecualikan"));
        using var ppid = api.Ppid();
        var body = new JsonObject { ["reason"] = reason, ["reference"] = "Putusan Komisi Informasi No. 012/KI-JBI/PS/2027" };
        if (openedAs is not null) body["openedAs"] = openedAs;

        await ppid.StepAsync(id, "opening", body, etag);

        var opened = await ppid.GetAsync(id);
        opened.GetProperty("status").GetString().ShouldBe("opened");
        opened.GetProperty("openingReason").GetString().ShouldBe(reason);
        opened.GetProperty("openingReference").GetString().ShouldBe("Putusan Komisi Informasi No. 012/KI-JBI/PS/2027");
        opened.GetProperty("openedAs").GetString().ShouldBe(expected);
        opened.GetProperty("openedAt").GetDateTimeOffset().ShouldBe(ApiWithRegistry.Now);
        (await api.CountAsync($"select count(*) from events where stream_id = 'classification-{id}' and type = 'classification.exempt-item-opened.v1' and data->>'openedAs' = '{expected}'"))
            .ShouldBe(1);
    }

    [Fact]
    public async Task Opening_is_for_the_ppid_with_a_reference_and_only_for_a_ratified_exemption()
    {
        var item = await api.RegisterItemAsync();
        var (id, etag) = await _cycle.DeterminedAsync(Api.Proposal(item, "dikecualikan"));
        var body = new JsonObject { ["reason"] = "court-decision", ["reference"] = "Putusan PTUN No. 5/2027" };
        using (var atasan = api.Atasan())
        using (var r = await atasan.PostAsync($"{Api.Classifications}/{id}/opening", body, etag)) await r.ProblemAsync(HttpStatusCode.Forbidden);
        using var ppid = api.Ppid();
        using (var r = await ppid.PostAsync($"{Api.Classifications}/{id}/opening", new JsonObject { ["reason"] = "expired" }, etag))
            (await r.ValidationFieldsAsync()).Order(StringComparer.Ordinal).ShouldBe(["reason", "reference"]);
        using (var r = await ppid.PostAsync($"{Api.Classifications}/{id}/opening", body, etag))
            (await r.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("type").GetString()!.ShouldEndWith("wrong-order");
    }

    [Fact]
    public async Task A_superseded_exemption_cannot_be_opened()
    {
        var item = await api.RegisterItemAsync();
        var (first, firstTag) = await _cycle.RatifiedAsync(Api.Proposal(item, "dikecualikan"));
        await _cycle.RatifiedAsync(Reclassification(item, first, "dikecualikan", "request"));
        using var ppid = api.Ppid();
        using var r = await ppid.PostAsync($"{Api.Classifications}/{first}/opening",
            new JsonObject { ["reason"] = "commission-decision", ["reference"] = "Putusan KI 1/2027" }, firstTag);
        (await r.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString()!.ShouldContain("superseded");
    }

    [Fact]
    public async Task An_item_revised_in_the_registry_into_a_regulation_cannot_be_ratified_exempt()
    {
        var item = await api.RegisterItemAsync();
        var (id, etag) = await _cycle.DeterminedAsync(Api.Proposal(item, "dikecualikan"));
        await api.Registry.AppendAsync("tenant-a", $"item-{item}", "registry.item",
            new InformationItemRevised(item, null, null, null, null, null, null, null, null, DocumentKind.Regulation, null, null, ApiWithRegistry.Now));
        await api.WaitUntilAsync($"select count(*) from known_items where item_id = '{item}' and kind = 'regulation'", 1);

        using var atasan = api.Atasan();
        using var response = await atasan.PostAsync($"{Api.Classifications}/{id}/ratification", null, etag);

        (await response.ProblemAsync(HttpStatusCode.UnprocessableEntity)).GetProperty("detail").GetString()!.ShouldContain("Pasal 18 ayat (1) huruf b");
        (await atasan.GetAsync(id)).GetProperty("status").GetString().ShouldBe("determined");
    }

    [Fact]
    public async Task A_closed_collection_puts_its_items_on_the_worklist()
    {
        var first = await api.RegisterItemAsync(title: "Rencana strategis 2027");
        var second = await api.RegisterItemAsync(DocumentKind.Regulation, title: "Perda 5/2026");
        var cycle = Guid.CreateVersion7();
        await api.Registry.AppendAsync("tenant-a", $"cycle-{cycle}", "registry.cycle",
            new UpdateCycleOpened(cycle, "2027-S1", 2027, [], ApiWithRegistry.Now),
            new CollectionClosed(cycle, "2027-S1", [new AcceptedItem(first, 1, "SETDA"), new AcceptedItem(second, 1, "DISKOMINFO")], ApiWithRegistry.Now));
        await api.WaitUntilAsync($"select count(*) from worklist where cycle_id = '{cycle}'", 2);
        var (classified, _) = await api.Petugas().ProposeAsync(Api.Proposal(first, "berkala"));

        using var client = api.Petugas();
        var all = await client.GetFromJsonAsync<JsonObject>($"/api/v1/classification/cycles/{cycle}/worklist");
        var items = all!["items"]!.AsArray();
        items.Select(i => i!["itemId"]!.GetValue<Guid>()).Order().ShouldBe(new[] { first, second }.Order());
        var entry = items.Single(i => i!["itemId"]!.GetValue<Guid>() == first)!;
        entry["classificationId"]!.GetValue<Guid>().ShouldBe(classified);
        entry["classificationStatus"]!.GetValue<string>().ShouldBe("in-consultation");
        entry["title"]!.GetValue<string>().ShouldBe("Rencana strategis 2027");

        var awaiting = await client.GetFromJsonAsync<JsonObject>($"/api/v1/classification/cycles/{cycle}/worklist?awaiting=true");
        awaiting!["items"]!.AsArray().Select(i => i!["itemId"]!.GetValue<Guid>()).ShouldBe([second]);

        using var otherTenant = api.Petugas("tenant-b");
        (await otherTenant.GetAsync($"/api/v1/classification/cycles/{cycle}/worklist")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
