using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ppid.Registry.Tests;

/// <summary>The tenant's SOP profile and working-day calendar through the API, the due dates a cycle gets from them, and what is overdue.</summary>
public sealed class CyclesTimeStandardsTests(ApiWithReferenceData api) : IClassFixture<ApiWithReferenceData>
{
    private const string Profile = "/api/v1/registry/sop-profile";
    private const string Calendar = "/api/v1/registry/calendar";
    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    private static JsonObject Step(string code, int amount, string unit) => new() { ["code"] = code, ["name"] = $"Langkah {code}", ["amount"] = amount, ["unit"] = unit };

    private static DateTimeOffset Due(JsonElement cycle, string code) =>
        cycle.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("code").GetString() == code).GetProperty("dueAt").GetDateTimeOffset();

    [Fact]
    public async Task Without_its_own_profile_a_tenant_has_seed_000s_time_standards()
    {
        using var client = api.Client("tenant-default");
        using var response = await client.GetAsync(Profile);
        var body = await response.BodyAsync();
        body.GetProperty("isDefault").GetBoolean().ShouldBeTrue();
        body.GetProperty("steps").EnumerateArray().Select(s => $"{s.GetProperty("code").GetString()} {s.GetProperty("amount").GetInt32()} {s.GetProperty("unit").GetString()}")
            .ShouldBe(["collect 7 days", "receive 1 days", "verify 1 hours", "classify 1 hours", "meeting 7 days", "ratify 7 days", "publish 1 days", "archive 1 days"]);

        using var calendar = await client.GetAsync(Calendar);
        var view = await calendar.BodyAsync();
        view.GetProperty("timeZone").GetString().ShouldBe("Asia/Jakarta");
        view.GetProperty("officeStart").GetString().ShouldBe("08:00");
        view.GetProperty("officeEnd").GetString().ShouldBe("16:00");
        view.GetProperty("isDefault").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task A_tenants_own_profile_and_holidays_set_the_due_dates_of_the_cycles_it_opens()
    {
        await api.NewTenantAsync("tenant-sop");
        using var ppid = api.ClientAs("ppid", "tenant-sop");
        using (var put = await ppid.SendAsync(HttpMethod.Put, Profile, new JsonObject { ["steps"] = new JsonArray(Step("collect", 2, "days"), Step("verify", 30, "minutes"), Step("ratify", 1, "months")) }))
        {
            put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
            (await put.BodyAsync()).GetProperty("isDefault").GetBoolean().ShouldBeFalse();
        }
        using (var holiday = await ppid.SendAsync(HttpMethod.Put, $"{Calendar}/holidays/2027-03-11", new JsonObject { ["name"] = "Hari Suci Nyepi" }))
            holiday.StatusCode.ShouldBe(HttpStatusCode.OK, await holiday.Content.ReadAsStringAsync());
        using (var calendar = await ppid.GetAsync(Calendar))
        {
            var holidays = (await calendar.BodyAsync()).GetProperty("holidays");
            holidays.GetArrayLength().ShouldBe(1);
            holidays[0].GetProperty("date").GetString().ShouldBe("2027-03-11");
            holidays[0].GetProperty("name").GetString().ShouldBe("Hari Suci Nyepi");
        }

        // Opened Wednesday 10 March 09:00 WIB; Thursday is a holiday.
        var cycle = await api.GetCycleAsync(await api.OpenCycleAsync("DIP 2027", "tenant-sop"), "tenant-sop");
        cycle.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("code").GetString()).ShouldBe(["collect", "verify", "ratify"]);
        Due(cycle, "collect").ShouldBe(new DateTimeOffset(2027, 3, 15, 16, 0, 0, Wib));
        Due(cycle, "verify").ShouldBe(new DateTimeOffset(2027, 3, 16, 8, 30, 0, Wib));
        Due(cycle, "ratify").ShouldBe(new DateTimeOffset(2027, 4, 16, 16, 0, 0, Wib));

        using (var removed = await ppid.DeleteAsync($"{Calendar}/holidays/2027-03-11")) removed.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        using (var again = await ppid.DeleteAsync($"{Calendar}/holidays/2027-03-11")) again.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var next = await api.GetCycleAsync(await api.OpenCycleAsync("DIP 2027 tambahan", "tenant-sop"), "tenant-sop");
        Due(next, "collect").ShouldBe(new DateTimeOffset(2027, 3, 12, 16, 0, 0, Wib));
        // The first cycle keeps the due dates it opened with.
        Due(await api.GetCycleAsync(cycle.GetProperty("id").GetGuid(), "tenant-sop"), "collect").ShouldBe(new DateTimeOffset(2027, 3, 15, 16, 0, 0, Wib));
    }

    [Fact]
    public async Task Office_hours_and_time_zone_are_the_tenants_to_set()
    {
        await api.NewTenantAsync("tenant-papua");
        using var ppid = api.ClientAs("ppid", "tenant-papua");
        using (var put = await ppid.SendAsync(HttpMethod.Put, Calendar, new JsonObject { ["timeZone"] = "Asia/Jayapura", ["officeStart"] = "07:30", ["officeEnd"] = "15:30" }))
        {
            put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
            (await put.BodyAsync()).GetProperty("timeZone").GetString().ShouldBe("Asia/Jayapura");
        }
        // Opened 11:00 WIT: collect is due at the close of the 7th working day in Jayapura, verify an office hour after the next morning's opening.
        var cycle = await api.GetCycleAsync(await api.OpenCycleAsync("DIP 2027", "tenant-papua"), "tenant-papua");
        var wit = TimeSpan.FromHours(9);
        Due(cycle, "collect").ShouldBe(new DateTimeOffset(2027, 3, 19, 15, 30, 0, wit));
        Due(cycle, "receive").ShouldBe(new DateTimeOffset(2027, 3, 22, 15, 30, 0, wit));
        Due(cycle, "verify").ShouldBe(new DateTimeOffset(2027, 3, 23, 8, 30, 0, wit));
    }

    [Fact]
    public async Task Time_standards_are_set_by_the_ppid_only_and_bad_values_are_named()
    {
        using var officer = api.Client();
        using (var r = await officer.SendAsync(HttpMethod.Put, Profile, new JsonObject { ["steps"] = new JsonArray(Step("collect", 1, "days")) }))
            r.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using (var r = await officer.SendAsync(HttpMethod.Put, $"{Calendar}/holidays/2027-03-11", new JsonObject { ["name"] = "Libur" }))
            r.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var ppid = api.ClientAs("ppid");
        using (var r = await ppid.SendAsync(HttpMethod.Put, Profile, new JsonObject
        {
            ["steps"] = new JsonArray(Step("collect", 1, "weeks"), Step("collect", 1, "days"), Step("verify", 0, "hours"), Step("Bad Code", 1, "days"), Step("ratify", 121, "months")),
        }))
            (await r.ValidationFieldsAsync()).ShouldBe(["steps[0].unit", "steps[1].code", "steps[2].amount", "steps[3].code", "steps[4].amount"], ignoreOrder: true);
        using (var r = await ppid.SendAsync(HttpMethod.Put, Profile, new JsonObject { ["steps"] = new JsonArray() }))
            (await r.ValidationFieldsAsync()).ShouldBe(["steps"]);
        using (var r = await ppid.SendAsync(HttpMethod.Put, Calendar, new JsonObject { ["timeZone"] = "Mars/Olympus", ["officeStart"] = "9am", ["officeEnd"] = "16:00" }))
            (await r.ValidationFieldsAsync()).ShouldBe(["timeZone", "officeStart"], ignoreOrder: true);
        using (var r = await ppid.SendAsync(HttpMethod.Put, Calendar, new JsonObject { ["timeZone"] = "Asia/Jakarta", ["officeStart"] = "16:00", ["officeEnd"] = "08:00" }))
            (await r.ValidationFieldsAsync()).ShouldBe(["officeEnd"]);
        using (var r = await ppid.SendAsync(HttpMethod.Put, $"{Calendar}/holidays/2027-02-30", new JsonObject { ["name"] = "" }))
            (await r.ValidationFieldsAsync()).ShouldBe(["date", "name"], ignoreOrder: true);

        using var client = api.Client();
        (await (await client.GetAsync(Profile)).BodyAsync()).GetProperty("isDefault").GetBoolean().ShouldBeTrue();
        (await (await client.GetAsync(Calendar)).BodyAsync()).GetProperty("isDefault").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task The_registrys_steps_are_overdue_once_their_due_instant_passes_until_collection_closes()
    {
        await api.NewTenantAsync("tenant-late");
        var cycleId = await api.OpenCycleAsync("DIP 2027", "tenant-late");
        var items = await api.RegisterItemsAsync(1, "tenant-late");
        var receipt = await api.SubmitOkAsync(cycleId, "tenant-late", items);
        receipt.GetProperty("verifyDueAt").GetDateTimeOffset().ShouldBe(new DateTimeOffset(2027, 3, 10, 10, 0, 0, Wib)); // an office hour after 09:00
        try
        {
            var onTime = await api.GetCycleAsync(cycleId, "tenant-late");
            onTime.GetProperty("overdueSteps").GetArrayLength().ShouldBe(0);
            onTime.GetProperty("overdueVerifications").GetArrayLength().ShouldBe(0);

            api.Clock.Set(new DateTimeOffset(2027, 3, 19, 16, 1, 0, Wib)); // a minute after collect's due instant
            var late = await api.GetCycleAsync(cycleId, "tenant-late");
            late.GetProperty("overdueSteps").EnumerateArray().Select(s => s.GetString()).ShouldBe(["collect"]);
            var overdueVerification = late.GetProperty("overdueVerifications").EnumerateArray().ShouldHaveSingleItem();
            overdueVerification.GetProperty("itemId").GetGuid().ShouldBe(items[0]);
            overdueVerification.GetProperty("receiptNumber").GetString().ShouldBe("TT/2027/0001");
            await api.VerifyOkAsync(cycleId, items[0], "accepted", tenant: "tenant-late");
            (await api.GetCycleAsync(cycleId, "tenant-late")).GetProperty("overdueVerifications").GetArrayLength().ShouldBe(0);

            api.Clock.Set(new DateTimeOffset(2027, 3, 23, 10, 0, 0, Wib));
            late = await api.GetCycleAsync(cycleId, "tenant-late");
            late.GetProperty("overdueSteps").EnumerateArray().Select(s => s.GetString()).ShouldBe(["collect", "receive", "verify"]);
            var ratify = late.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("code").GetString() == "ratify");
            ratify.GetProperty("trackedHere").GetBoolean().ShouldBeFalse();
            ratify.GetProperty("overdue").ValueKind.ShouldBe(JsonValueKind.Null);
            using (var client = api.Client("tenant-late"))
            using (var list = await client.GetAsync(CyclesApi.Cycles))
                (await list.BodyAsync())[0].GetProperty("overdueSteps").GetArrayLength().ShouldBe(3);

            using (var ppid = api.ClientAs("ppid", "tenant-late"))
            using (var closed = await ppid.CloseAsync(cycleId))
                closed.StatusCode.ShouldBe(HttpStatusCode.OK);
            var done = await api.GetCycleAsync(cycleId, "tenant-late");
            done.GetProperty("overdueSteps").GetArrayLength().ShouldBe(0);
            done.GetProperty("steps")[0].GetProperty("completedLate").GetBoolean().ShouldBeTrue();
        }
        finally
        {
            api.Clock.Set(ApiWithReferenceData.Now);
        }
    }
}
