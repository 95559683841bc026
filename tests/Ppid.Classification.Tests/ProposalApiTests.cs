using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ppid.Contracts.Registry;

namespace Ppid.Classification.Tests;

/// <summary>Proposing through the API, with items known from the registry's events (RabbitMQ).</summary>
public sealed class ProposalApiTests(ApiWithRegistry api) : IClassFixture<ApiWithRegistry>
{
    [Fact]
    public async Task A_petugas_proposes_a_classification_of_a_known_item()
    {
        var item = await api.RegisterItemAsync();
        using var petugas = api.Petugas();

        using var response = await petugas.SendAsync(HttpMethod.Post, Api.Classifications, Api.Proposal(item, "dikecualikan"));

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        response.Headers.ETag!.Tag.ShouldBe("\"1\"");
        var id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
        response.Headers.Location!.ToString().ShouldBe($"{Api.Classifications}/{id}");
        var body = await petugas.GetAsync(id);
        body.GetProperty("status").GetString().ShouldBe("in-consultation");
        body.GetProperty("itemId").GetGuid().ShouldBe(item);
        body.GetProperty("category").GetString().ShouldBe("dikecualikan");
        body.GetProperty("consequenceTest").GetProperty("pasal17SubPoint").GetString().ShouldBe("2");
        var step = body.GetProperty("history")[0];
        step.GetProperty("type").GetString().ShouldBe("classification.classification-proposed.v1");
        step.GetProperty("actorId").GetString().ShouldBe("petugas-1");
        step.GetProperty("actorRole").GetString().ShouldBe("petugas");
    }

    [Fact]
    public async Task An_unknown_item_is_404_and_nothing_is_stored()
    {
        using var petugas = api.Petugas();
        var before = await api.EventCountAsync();
        using var response = await petugas.SendAsync(HttpMethod.Post, Api.Classifications, Api.Proposal(Guid.NewGuid()));
        await response.ProblemAsync(HttpStatusCode.NotFound);
        (await api.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Another_tenants_item_is_unknown()
    {
        var item = await api.RegisterItemAsync(tenant: "tenant-b");
        using var petugas = api.Petugas("tenant-a");
        using var response = await petugas.SendAsync(HttpMethod.Post, Api.Classifications, Api.Proposal(item));
        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_withdrawn_item_is_409()
    {
        var item = await api.RegisterItemAsync();
        await api.WithdrawItemAsync(item);
        using var petugas = api.Petugas();
        var before = await api.EventCountAsync();
        using var response = await petugas.SendAsync(HttpMethod.Post, Api.Classifications, Api.Proposal(item));
        (await response.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("type").GetString()!.ShouldEndWith("item-withdrawn");
        (await api.EventCountAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData(DocumentKind.CourtDecision)]
    [InlineData(DocumentKind.Regulation)]
    [InlineData(DocumentKind.Decision)]
    [InlineData(DocumentKind.Circular)]
    public async Task Pasal_18_refuses_exempting_a_never_exempt_kind(DocumentKind kind)
    {
        var item = await api.RegisterItemAsync(kind);
        using var petugas = api.Petugas();
        var before = await api.EventCountAsync();
        using var response = await petugas.SendAsync(HttpMethod.Post, Api.Classifications, Api.Proposal(item, "dikecualikan"));
        var problem = await response.ProblemAsync(HttpStatusCode.UnprocessableEntity);
        problem.GetProperty("type").GetString()!.ShouldEndWith("pasal-18");
        problem.GetProperty("detail").GetString()!.ShouldContain("Pasal 18");
        (await api.EventCountAsync()).ShouldBe(before);

        // The same item may be classified as open information.
        await petugas.ProposeAsync(Api.Proposal(item, "setiap-saat"));
    }

    [Fact]
    public async Task Pasal_18_refuses_exempting_a_termination_of_investigation()
    {
        var item = await api.RegisterItemAsync(DocumentKind.Other);
        using var petugas = api.Petugas();
        var body = Api.Proposal(item, "dikecualikan");
        body["terminationOfInvestigation"] = true;
        using var response = await petugas.SendAsync(HttpMethod.Post, Api.Classifications, body);
        (await response.ProblemAsync(HttpStatusCode.UnprocessableEntity)).GetProperty("detail").GetString()!.ShouldContain("Pasal 18 ayat (1) huruf c");
    }

    [Fact]
    public async Task Each_missing_or_inconsistent_part_is_named_in_the_problem()
    {
        var item = await api.RegisterItemAsync();
        using var petugas = api.Petugas();
        var body = Api.Proposal(item, "dikecualikan");
        var test = body["consequenceTest"]!.AsObject();
        test.Remove("consequenceIfClosed");
        test.Remove("legalBasis");
        test["pasal17SubPoint"] = "9";
        test["exemptUntil"] = "2020-01-01";
        test["wholeDocumentReason"] = "Semua.";
        body["intervalMonths"] = 3;

        using var response = await petugas.SendAsync(HttpMethod.Post, Api.Classifications, body);

        (await response.ValidationFieldsAsync()).Order(StringComparer.Ordinal).ShouldBe([
            "consequenceTest.consequenceIfClosed", "consequenceTest.exemptUntil", "consequenceTest.legalBasis", "consequenceTest.pasal17SubPoint",
            "consequenceTest.wholeDocumentReason", "intervalMonths",
        ]);
    }

    [Fact]
    public async Task A_berkala_interval_over_six_months_is_refused()
    {
        var item = await api.RegisterItemAsync();
        using var petugas = api.Petugas();
        var body = Api.Proposal(item, "berkala");
        body["intervalMonths"] = 12;
        using var response = await petugas.SendAsync(HttpMethod.Post, Api.Classifications, body);
        (await response.ValidationFieldsAsync()).ShouldBe(["intervalMonths"]);
    }

    [Theory]
    [InlineData("ppid")]
    [InlineData("atasan-ppid")]
    [InlineData("tim-pelayanan")]
    public async Task Only_a_petugas_proposes(string role)
    {
        var item = await api.RegisterItemAsync();
        using var client = api.Client(role, "someone");
        var before = await api.EventCountAsync();
        using var response = await client.SendAsync(HttpMethod.Post, Api.Classifications, Api.Proposal(item));
        (await response.ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("detail").GetString()!.ShouldContain("petugas");
        (await api.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task A_second_proposal_while_one_is_in_progress_is_409()
    {
        var item = await api.RegisterItemAsync();
        using var petugas = api.Petugas();
        await petugas.ProposeAsync(Api.Proposal(item));
        using var response = await petugas.SendAsync(HttpMethod.Post, Api.Classifications, Api.Proposal(item, "berkala"));
        (await response.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("type").GetString()!.ShouldEndWith("classification-in-progress");
    }

    [Fact]
    public async Task Concurrent_proposals_for_one_item_let_exactly_one_in()
    {
        var item = await api.RegisterItemAsync();
        var clients = Enumerable.Range(0, 4).Select(_ => api.Petugas()).ToList();
        var responses = await Task.WhenAll(clients.Select(c => c.SendAsync(HttpMethod.Post, Api.Classifications, Api.Proposal(item))));
        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        responses.Count(r => r.StatusCode == HttpStatusCode.Conflict).ShouldBe(3);
        (await api.CountAsync($"select count(*) from classifications where item_id = '{item}'")).ShouldBe(1);
        foreach (var r in responses) r.Dispose();
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public async Task The_same_idempotency_key_proposes_once()
    {
        var item = await api.RegisterItemAsync();
        using var petugas = api.Petugas();
        using var first = await petugas.SendAsync(HttpMethod.Post, Api.Classifications, Api.Proposal(item), idempotencyKey: $"k-{item}");
        using var again = await petugas.SendAsync(HttpMethod.Post, Api.Classifications, Api.Proposal(item), idempotencyKey: $"k-{item}");
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        again.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await again.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        (await api.CountAsync($"select count(*) from classifications where item_id = '{item}'")).ShouldBe(1);
    }
}
