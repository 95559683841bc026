using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ppid.Registry.Tests;

/// <summary>The list on its own database: five items of tenant-a in two units, one withdrawn; one item of tenant-b.</summary>
public sealed class ApiWithListedItems : ApiWithReferenceData
{
    public List<Guid> Diskominfo { get; } = [];
    public List<Guid> Setda { get; } = [];
    public Guid Withdrawn { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var client = Client();
        for (var i = 0; i < 3; i++) Diskominfo.Add(await client.RegisterAsync(Api.Item(title: $"Laporan kinerja {i}")));
        for (var i = 0; i < 2; i++)
        {
            var body = Api.Item(title: $"Rencana strategis {i}", unit: "SETDA");
            if (i == 1) body["summary"] = "Memuat anggaran 100% terserap";
            Setda.Add(await client.RegisterAsync(body));
        }
        Withdrawn = Setda[0];
        using var response = await client.SendAsync(HttpMethod.Post, $"{Api.Items}/{Withdrawn}/withdraw", new JsonObject { ["reason"] = "Tidak dikuasai" });
        response.EnsureSuccessStatusCode();
        using var b = Client("tenant-b");
        await b.RegisterAsync(Api.Item(title: "Laporan kinerja tenant b"));
    }
}

public sealed class ListingTests(ApiWithListedItems api) : IClassFixture<ApiWithListedItems>
{
    private async Task<(Guid[] Ids, JsonElement Page)> ListAsync(string query, string tenant = "tenant-a")
    {
        using var client = api.Client(tenant);
        using var response = await client.GetAsync($"{Api.Items}?{query}");
        var page = await response.BodyAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, page.ToString());
        return (page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToArray(), page);
    }

    [Fact]
    public async Task Without_filters_the_list_holds_the_tenants_items_only()
    {
        var (ids, _) = await ListAsync("");
        ids.ShouldBe([.. api.Diskominfo, .. api.Setda], ignoreOrder: true);
    }

    [Fact]
    public async Task Filters_by_unit_status_and_text()
    {
        (await ListAsync("unit=SETDA")).Ids.ShouldBe(api.Setda, ignoreOrder: true);
        (await ListAsync("status=withdrawn")).Ids.ShouldBe([api.Withdrawn]);
        (await ListAsync("status=active&unit=SETDA")).Ids.ShouldBe([api.Setda[1]]);
        (await ListAsync("q=kinerja")).Ids.ShouldBe(api.Diskominfo, ignoreOrder: true);
        (await ListAsync("q=KINERJA 1")).Ids.ShouldBe([api.Diskominfo[1]]);
        (await ListAsync("q=100%25")).Ids.ShouldBe([api.Setda[1]]); // text in the summary; % is literal
        (await ListAsync("q=%25")).Ids.ShouldBe([api.Setda[1]]);
        (await ListAsync("q=kinerja", tenant: "tenant-b")).Ids.Length.ShouldBe(1);
    }

    [Fact]
    public async Task Before_any_classification_every_item_is_unclassified_and_no_category_matches()
    {
        var (ids, page) = await ListAsync("category=unclassified");
        ids.ShouldBe([.. api.Diskominfo, .. api.Setda], ignoreOrder: true);
        page.GetProperty("items")[0].GetProperty("category").ValueKind.ShouldBe(JsonValueKind.Null);
        (await ListAsync("category=berkala")).Ids.ShouldBeEmpty();
        (await ListAsync("category=unclassified&unit=SETDA&status=active")).Ids.ShouldBe([api.Setda[1]]);
    }

    [Fact]
    public async Task Pages_follow_the_cursor_without_gaps_or_repeats_in_a_stable_order()
    {
        var seen = new List<Guid>();
        string? after = null;
        var pages = 0;
        do
        {
            var (ids, page) = await ListAsync("size=2" + (after is null ? "" : $"&after={after}"));
            ids.Length.ShouldBeLessThanOrEqualTo(2);
            seen.AddRange(ids);
            after = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetGuid().ToString();
            pages++;
        } while (after is not null && pages < 10);
        pages.ShouldBe(3);
        seen.ShouldBe([.. api.Diskominfo, .. api.Setda], ignoreOrder: true);
        seen.ShouldBe((await ListAsync("size=5")).Ids); // the same order in one page as across pages
    }

    [Fact]
    public async Task The_page_size_is_capped_and_must_be_positive()
    {
        (await ListAsync("size=1000")).Page.GetProperty("size").GetInt32().ShouldBe(100);
        (await ListAsync("")).Page.GetProperty("size").GetInt32().ShouldBe(20);
        using var client = api.Client();
        using (var zero = await client.GetAsync($"{Api.Items}?size=0"))
            (await zero.ValidationFieldsAsync()).ShouldBe(["size"]);
        using (var status = await client.GetAsync($"{Api.Items}?status=archived"))
            (await status.ValidationFieldsAsync()).ShouldBe(["status"]);
        using (var category = await client.GetAsync($"{Api.Items}?category=rahasia"))
            (await category.ValidationFieldsAsync()).ShouldBe(["category"]);
        using (var cursor = await client.GetAsync($"{Api.Items}?after=not-a-guid"))
            cursor.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
