using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ppid.Classification.Tests;

/// <summary>The SOP's cycle through the API: consultation, meeting, determination, ratification, with roles and order enforced.</summary>
public sealed class WorkflowApiTests(ApiWithRegistry api) : IClassFixture<ApiWithRegistry>
{
    private readonly Cycle _cycle = new(api);

    private async Task<JsonElement> RatifiedEventAsync(Guid id)
    {
        await using var cmd = api.Database.DataSource.CreateCommand(
            "select data::text from events where stream_id = $1 and type = 'classification.classification-ratified.v1'");
        cmd.Parameters.AddWithValue($"classification-{id}");
        var json = (string?)await cmd.ExecuteScalarAsync();
        json.ShouldNotBeNull("no ClassificationRatified was stored");
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    [Theory]
    [InlineData("berkala")]
    [InlineData("serta-merta")]
    [InlineData("setiap-saat")]
    [InlineData("dikecualikan")]
    public async Task The_full_cycle_ratifies_a_classification_of_each_category(string category)
    {
        var item = await api.RegisterItemAsync();

        var (id, etag) = await _cycle.RatifiedAsync(Api.Proposal(item, category));

        etag.ShouldBe("\"6\"");
        using var reader = api.Petugas();
        var body = await reader.GetAsync(id);
        body.GetProperty("status").GetString().ShouldBe("ratified");
        body.GetProperty("ratifiedBy").GetString().ShouldBe("atasan-1");
        body.GetProperty("decree").GetProperty("number").GetString().ShouldBe("188.4/012/PPID/2027");
        var history = body.GetProperty("history").EnumerateArray()
            .Select(s => (s.GetProperty("type").GetString(), s.GetProperty("actorId").GetString(), s.GetProperty("actorRole").GetString())).ToArray();
        history.ShouldBe([
            ("classification.classification-proposed.v1", "petugas-1", "petugas"),
            ("classification.proposal-commented.v1", "ppid-1", "ppid"),
            ("classification.proposal-commented.v1", "tim-1", "tim-pelayanan"),
            ("classification.coordination-meeting-recorded.v1", "ppid-1", "ppid"),
            ("classification.classification-determined.v1", "ppid-1", "ppid"),
            ("classification.classification-ratified.v1", "atasan-1", "atasan-ppid"),
        ]);
        body.GetProperty("history")[5].GetProperty("at").GetDateTimeOffset().ShouldBe(ApiWithRegistry.Now);

        var ratified = await RatifiedEventAsync(id);
        ratified.GetProperty("category").GetString().ShouldBe(category);
        ratified.GetProperty("itemId").GetGuid().ShouldBe(item);
        ratified.GetProperty("decree").GetProperty("ppidId").GetString().ShouldBe("ppid-1");
        if (category == "berkala") ratified.GetProperty("intervalMonths").GetInt32().ShouldBe(6);
        if (category == "dikecualikan")
        {
            var test = ratified.GetProperty("consequenceTest");
            test.GetProperty("pasal17Letter").GetString().ShouldBe("a");
            test.GetProperty("publicSummary").GetString().ShouldBe("Identitas saksi dan pelapor dalam laporan audit.");
            test.GetProperty("exemptUntil").GetString().ShouldBe("2029-12-31");
        }
        else ratified.GetProperty("consequenceTest").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_correction_goes_round_again_until_the_revision_is_consulted()
    {
        var item = await api.RegisterItemAsync();
        using var petugas = api.Petugas();
        using var ppid = api.Ppid();
        using var tim = api.Tim();
        var (id, etag) = await petugas.ProposeAsync(Api.Proposal(item, "dikecualikan"));
        etag = await ppid.StepAsync(id, "comments", new JsonObject { ["comment"] = "Bagian dikecualikan terlalu luas.", ["requiresCorrection"] = true }, etag);
        etag = await tim.StepAsync(id, "comments", new JsonObject { ["comment"] = "Setuju dengan PPID." }, etag);

        using (var early = await ppid.PostAsync($"{Api.Classifications}/{id}/meeting", Api.Meeting(), etag))
            (await early.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString()!.ShouldContain("revise");

        var revision = Api.Proposal(item, "dikecualikan");
        revision.Remove("itemId");
        revision["consequenceTest"]!["exemptPart"] = "Lampiran II halaman 12–14";
        etag = await petugas.StepAsync(id, "revisions", revision, etag);
        using (var stillEarly = await ppid.PostAsync($"{Api.Classifications}/{id}/meeting", Api.Meeting(), etag))
            (await stillEarly.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString()!.ShouldContain("round 2");

        etag = await ppid.StepAsync(id, "comments", new JsonObject { ["comment"] = "Sudah sesuai." }, etag);
        etag = await tim.StepAsync(id, "comments", new JsonObject { ["comment"] = "Sesuai." }, etag);
        etag = await ppid.StepAsync(id, "meeting", Api.Meeting("returned"), etag);
        (await petugas.GetAsync(id)).GetProperty("status").GetString().ShouldBe("correction-requested");
        etag = await petugas.StepAsync(id, "revisions", revision, etag);
        etag = await ppid.StepAsync(id, "comments", new JsonObject { ["comment"] = "OK." }, etag);
        etag = await tim.StepAsync(id, "comments", new JsonObject { ["comment"] = "OK." }, etag);
        etag = await ppid.StepAsync(id, "meeting", Api.Meeting(), etag);
        etag = await ppid.StepAsync(id, "determination", Api.Determination(), etag);
        using var atasan = api.Atasan();
        await atasan.StepAsync(id, "ratification", null, etag);
        var body = await petugas.GetAsync(id);
        body.GetProperty("status").GetString().ShouldBe("ratified");
        body.GetProperty("round").GetInt32().ShouldBe(3);
        body.GetProperty("consequenceTest").GetProperty("exemptPart").GetString().ShouldBe("Lampiran II halaman 12–14");
    }

    public static TheoryData<string, string, string> WrongRoles => new()
    {
        { "comments", "petugas", "in-consultation" },
        { "comments", "atasan-ppid", "in-consultation" },
        { "revisions", "ppid", "in-consultation" },
        { "meeting", "tim-pelayanan", "consulted" },
        { "meeting", "petugas", "consulted" },
        { "determination", "tim-pelayanan", "agreed" },
        { "determination", "atasan-ppid", "agreed" },
        { "ratification", "ppid", "determined" },
        { "ratification", "petugas", "determined" },
    };

    [Theory]
    [MemberData(nameof(WrongRoles))]
    public async Task A_step_in_the_wrong_role_is_403_and_changes_nothing(string step, string role, string at)
    {
        var item = await api.RegisterItemAsync();
        var proposal = Api.Proposal(item, "setiap-saat");
        var (id, etag) = at switch
        {
            "in-consultation" => await api.Petugas().ProposeAsync(proposal),
            "consulted" => await _cycle.ConsultedAsync(proposal),
            "agreed" => await _cycle.AgreedAsync(proposal),
            _ => await _cycle.DeterminedAsync(proposal),
        };
        var before = await api.EventCountAsync();
        using var client = api.Client(role, "someone-else");

        using var response = await client.PostAsync($"{Api.Classifications}/{id}/{step}", BodyFor(step, item), etag);

        (await response.ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("detail").GetString()!.ShouldContain(role);
        (await api.EventCountAsync()).ShouldBe(before);
    }

    public static TheoryData<string, string, string> WrongOrders => new()
    {
        { "meeting", "ppid", "in-consultation" },
        { "determination", "ppid", "in-consultation" },
        { "determination", "ppid", "consulted" },
        { "ratification", "atasan-ppid", "in-consultation" },
        { "ratification", "atasan-ppid", "agreed" },
        { "comments", "ppid", "agreed" },
        { "revisions", "petugas", "determined" },
        { "meeting", "ppid", "determined" },
        { "determination", "ppid", "ratified" },
        { "ratification", "atasan-ppid", "ratified" },
        { "comments", "tim-pelayanan", "ratified" },
    };

    [Theory]
    [MemberData(nameof(WrongOrders))]
    public async Task A_step_in_the_wrong_order_is_409_with_a_reason_and_changes_nothing(string step, string role, string at)
    {
        var item = await api.RegisterItemAsync();
        var proposal = Api.Proposal(item, "setiap-saat");
        var (id, etag) = at switch
        {
            "in-consultation" => await api.Petugas().ProposeAsync(proposal),
            "consulted" => await _cycle.ConsultedAsync(proposal),
            "agreed" => await _cycle.AgreedAsync(proposal),
            "determined" => await _cycle.DeterminedAsync(proposal),
            _ => await _cycle.RatifiedAsync(proposal),
        };
        var before = await api.EventCountAsync();
        using var client = api.Client(role, "someone-else");

        using var response = await client.PostAsync($"{Api.Classifications}/{id}/{step}", BodyFor(step, item), etag);

        var problem = await response.ProblemAsync(HttpStatusCode.Conflict);
        problem.GetProperty("type").GetString()!.ShouldEndWith("wrong-order");
        problem.GetProperty("detail").GetString()!.ShouldNotBeNullOrWhiteSpace();
        (await api.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task The_proposer_cannot_ratify_even_as_atasan_ppid()
    {
        var item = await api.RegisterItemAsync();
        var (id, etag) = await _cycle.DeterminedAsync(Api.Proposal(item));
        using var proposerAsAtasan = api.Client("atasan-ppid", "petugas-1");
        using var response = await proposerAsAtasan.PostAsync($"{Api.Classifications}/{id}/ratification", null, etag);
        (await response.ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("type").GetString()!.ShouldEndWith("proposer-cannot-ratify");
        (await api.Petugas().GetAsync(id)).GetProperty("status").GetString().ShouldBe("determined");
    }

    [Fact]
    public async Task A_stale_If_Match_is_409_and_a_missing_one_428()
    {
        var item = await api.RegisterItemAsync();
        var (id, etag) = await _cycle.ConsultedAsync(Api.Proposal(item));
        using var ppid = api.Ppid();
        using (var stale = await ppid.PostAsync($"{Api.Classifications}/{id}/meeting", Api.Meeting(), "\"1\""))
            (await stale.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("currentVersion").GetInt64().ShouldBe(3);
        using (var missing = await ppid.PostAsync($"{Api.Classifications}/{id}/meeting", Api.Meeting(), null))
            missing.StatusCode.ShouldBe(HttpStatusCode.PreconditionRequired);
        (await api.Petugas().GetAsync(id)).GetProperty("status").GetString().ShouldBe("in-consultation");
        await ppid.StepAsync(id, "meeting", Api.Meeting(), etag);
    }

    [Fact]
    public async Task A_step_repeated_with_its_key_answers_its_first_result_although_its_If_Match_is_stale_now()
    {
        // A client whose answer was lost (a gateway killed mid-request) repeats the step with the same key and If-Match.
        var item = await api.RegisterItemAsync();
        var (id, etag) = await _cycle.ConsultedAsync(Api.Proposal(item));
        using var ppid = api.Ppid();
        var key = Guid.NewGuid().ToString("N");
        using var first = await ppid.SendAsync(HttpMethod.Post, $"{Api.Classifications}/{id}/meeting", Api.Meeting(), etag, key);
        first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());

        using var repeat = await ppid.SendAsync(HttpMethod.Post, $"{Api.Classifications}/{id}/meeting", Api.Meeting(), etag, key);

        repeat.StatusCode.ShouldBe(HttpStatusCode.OK, await repeat.Content.ReadAsStringAsync());
        repeat.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        repeat.Headers.ETag!.Tag.ShouldBe(first.Headers.ETag!.Tag);
        (await api.CountAsync($"select count(*) from events where stream_id = 'classification-{id}' and type = 'classification.coordination-meeting-recorded.v1'")).ShouldBe(1);
    }

    [Fact]
    public async Task Concurrent_steps_on_one_classification_let_one_win_and_the_other_get_409()
    {
        var item = await api.RegisterItemAsync();
        var (id, etag) = await _cycle.AgreedAsync(Api.Proposal(item));
        var clients = Enumerable.Range(0, 4).Select(i => api.Client("ppid", $"ppid-{i}")).ToList();

        var responses = await Task.WhenAll(clients.Select(c => c.PostAsync($"{Api.Classifications}/{id}/determination", Api.Determination(), etag)));

        responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(1);
        responses.Count(r => r.StatusCode == HttpStatusCode.Conflict).ShouldBe(3);
        (await api.CountAsync($"select count(*) from events where stream_id = 'classification-{id}' and type = 'classification.classification-determined.v1'")).ShouldBe(1);
        foreach (var r in responses) r.Dispose();
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public async Task Another_tenants_classification_is_not_found()
    {
        var item = await api.RegisterItemAsync();
        var (id, etag) = await api.Petugas().ProposeAsync(Api.Proposal(item));
        using var other = api.Client("ppid", "ppid-1", "tenant-b");
        (await other.GetAsync($"{Api.Classifications}/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var response = await other.PostAsync($"{Api.Classifications}/{id}/comments", new JsonObject { ["comment"] = "x" }, etag);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bad_step_bodies_name_each_field()
    {
        var item = await api.RegisterItemAsync();
        var (id, etag) = await _cycle.ConsultedAsync(Api.Proposal(item));
        using var ppid = api.Ppid();
        using var meeting = await ppid.PostAsync($"{Api.Classifications}/{id}/meeting",
            new JsonObject { ["meetingDate"] = "2030-01-01", ["attendees"] = new JsonArray(), ["outcome"] = "maybe" }, etag);
        (await meeting.ValidationFieldsAsync()).Order(StringComparer.Ordinal).ShouldBe(["attendees", "meetingDate", "minutesReference", "outcome"]);
        using var determination = await ppid.PostAsync($"{Api.Classifications}/{id}/determination", new JsonObject { ["decreeDate"] = "2030-01-01" }, etag);
        (await determination.ValidationFieldsAsync()).Order(StringComparer.Ordinal).ShouldBe(["decreeDate", "decreeNumber", "place", "ppidName"]);
    }

    [Fact]
    public async Task Classifications_are_listed_per_item_and_per_status()
    {
        var item = await api.RegisterItemAsync();
        var (id, _) = await _cycle.AgreedAsync(Api.Proposal(item, "serta-merta"));
        using var client = api.Petugas();
        var byItem = await (await client.GetAsync($"{Api.Classifications}?itemId={item}")).Content.ReadFromJsonAsync<JsonObject>();
        byItem!["classifications"]!.AsArray().Select(c => c!["id"]!.GetValue<Guid>()).ShouldBe([id]);
        var agreed = await (await client.GetAsync($"{Api.Classifications}?status=agreed&size=100")).Content.ReadFromJsonAsync<JsonObject>();
        agreed!["classifications"]!.AsArray().Select(c => c!["id"]!.GetValue<Guid>()).ShouldContain(id);
        agreed["classifications"]!.AsArray().ShouldAllBe(c => c!["status"]!.GetValue<string>() == "agreed");
        (await client.GetAsync($"{Api.Classifications}?status=nope")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private static JsonObject? BodyFor(string step, Guid item) => step switch
    {
        "comments" => new JsonObject { ["comment"] = "Catatan." },
        "revisions" => Api.Proposal(item, "berkala"),
        "meeting" => Api.Meeting(),
        "determination" => Api.Determination(),
        _ => null,
    };
}
