using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Ppid.Registry.Tests;

/// <summary>Every rule answers a validation problem naming the field, and nothing is appended.</summary>
public sealed class ValidationTests(ApiWithReferenceData api) : IClassFixture<ApiWithReferenceData>
{
    public static TheoryData<string, string> Breaks() => new()
    {
        { "title", "remove" },
        { "title", "blank" },
        { "title", "long:301" },
        { "summary", "remove" },
        { "summary", "long:4001" },
        { "holdingUnit", "remove" },
        { "holdingUnit", "value:NO-SUCH-UNIT" },
        { "responsibleOfficial", "remove" },
        { "responsibleOfficial", "long:201" },
        { "productionDate", "remove" },
        { "productionDate", "value:2027-03-11" },
        { "productionPlace", "remove" },
        { "forms", "remove" },
        { "forms", "empty-array" },
        { "forms[0].form", "form:microfilm" },
        { "forms[0].format", "form-remove:format" },
        { "forms[0].location", "form-remove:location" },
        { "recordClass", "remove" },
        { "recordClass", "value:999.9" },
        { "kind", "remove" },
        { "kind", "value:memo" },
        { "language", "remove" },
        { "language", "value:indonesian language" },
        { "tags[2]", "tag:" },
        { "documents[0].sha256", "document:sha256=not-a-hash" },
        { "documents[0].mediaType", "document:mediaType=pdf" },
        { "documents[0].name", "document:name=" },
    };

    [Theory]
    [MemberData(nameof(Breaks))]
    public async Task A_registration_breaking_one_rule_names_that_field_and_appends_nothing(string field, string breakage)
    {
        var body = Api.Item();
        Break(body, field, breakage);
        var before = await api.EventCountAsync();
        using var client = api.Client();
        using var response = await client.SendAsync(HttpMethod.Post, Api.Items, body);
        (await response.ValidationFieldsAsync()).ShouldBe([field]);
        (await api.EventCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Every_bad_field_is_named_at_once()
    {
        var body = Api.Item();
        body.Remove("title");
        body["holdingUnit"] = "NOPE";
        body["productionDate"] = "2030-01-01";
        using var client = api.Client();
        using var response = await client.SendAsync(HttpMethod.Post, Api.Items, body);
        (await response.ValidationFieldsAsync()).ShouldBe(["title", "holdingUnit", "productionDate"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_production_date_of_today_in_indonesia_is_accepted_although_it_is_tomorrow_nowhere_west()
    {
        // The fixture's clock is 2027-03-10 02:00 UTC: 2027-03-10 in all of Indonesia.
        var body = Api.Item();
        body["productionDate"] = "2027-03-10";
        using var client = api.Client();
        using var response = await client.SendAsync(HttpMethod.Post, Api.Items, body);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_revision_is_validated_like_a_registration_and_changes_nothing_when_invalid()
    {
        using var client = api.Client();
        var id = await client.RegisterAsync();
        using var response = await client.SendAsync(HttpMethod.Patch, $"{Api.Items}/{id}",
            new JsonObject { ["recordClass"] = "404", ["title"] = new string('x', 301) }, ifMatch: "\"1\"");
        (await response.ValidationFieldsAsync()).ShouldBe(["title", "recordClass"], ignoreOrder: true);
        (await client.GetItemAsync(id)).GetProperty("version").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task Reference_data_is_validated_too()
    {
        using var client = api.Client();
        using (var unit = await client.PutAsJsonAsync("/api/v1/registry/units/BAD CODE", new { name = "" }))
            (await unit.ValidationFieldsAsync()).ShouldBe(["code", "name"], ignoreOrder: true);
        using (var recordClass = await client.PutAsJsonAsync("/api/v1/registry/record-classes/100.1",
                   new { name = "Surat", activeYears = -1, disposition = "burn" }))
            (await recordClass.ValidationFieldsAsync()).ShouldBe(["activeYears", "inactiveYears", "disposition"], ignoreOrder: true);
        var classes = await (await client.GetAsync("/api/v1/registry/record-classes")).BodyAsync();
        classes.EnumerateArray().Select(c => c.GetProperty("code").GetString()).ShouldBe(["000.1.1", "900.1"]);
        classes[1].GetProperty("disposition").GetString().ShouldBe("destroy");
        classes[1].GetProperty("inactiveYears").GetInt32().ShouldBe(8);
    }

    [Fact]
    public async Task Units_and_record_classes_belong_to_a_tenant()
    {
        using var c = api.Client("tenant-c");
        (await (await c.GetAsync("/api/v1/registry/units")).BodyAsync()).GetArrayLength().ShouldBe(0);
        using var response = await c.SendAsync(HttpMethod.Post, Api.Items, Api.Item());
        (await response.ValidationFieldsAsync()).ShouldBe(["holdingUnit", "recordClass"], ignoreOrder: true);
    }

    private static void Break(JsonObject body, string field, string breakage)
    {
        var (how, arg) = breakage.IndexOf(':', StringComparison.Ordinal) is var i and >= 0 ? (breakage[..i], breakage[(i + 1)..]) : (breakage, "");
        switch (how)
        {
            case "remove": body.Remove(field); break;
            case "blank": body[field] = "   "; break;
            case "long": body[field] = new string('a', int.Parse(arg)); break;
            case "value": body[field] = arg; break;
            case "empty-array": body[field] = new JsonArray(); break;
            case "form": body["forms"]![0]!["form"] = arg; break;
            case "form-remove": body["forms"]![0]!.AsObject().Remove(arg); break;
            case "tag": body["tags"]!.AsArray().Add(arg); break;
            case "document":
                var (name, value) = (arg[..arg.IndexOf('=', StringComparison.Ordinal)], arg[(arg.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                body["documents"]![0]![name] = value;
                break;
            default: throw new ArgumentException(breakage);
        }
    }
}
