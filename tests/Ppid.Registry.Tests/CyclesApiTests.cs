using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ppid.Platform.Messaging;
using RabbitMQ.Client;

namespace Ppid.Registry.Tests;

/// <summary>Update cycles through the registry's own Program: open, submit with receipts, verify, return, resubmit, close.</summary>
public sealed class CyclesApiTests(ApiWithReferenceData api) : IClassFixture<ApiWithReferenceData>
{
    [Fact]
    public async Task A_cycle_goes_from_opening_through_return_and_resubmission_to_closing_with_every_round_recorded()
    {
        await api.NewTenantAsync("tenant-flow");
        var cycleId = await api.OpenCycleAsync("DIP 2027", "tenant-flow");
        var opened = await api.GetCycleAsync(cycleId, "tenant-flow");
        opened.GetProperty("status").GetString().ShouldBe("open");
        opened.GetProperty("steps").GetArrayLength().ShouldBe(8);
        opened.GetProperty("steps")[0].GetProperty("dueAt").GetDateTimeOffset().ShouldBe(new DateTimeOffset(2027, 3, 19, 16, 0, 0, TimeSpan.FromHours(7)));

        var items = await api.RegisterItemsAsync(2, "tenant-flow");
        var first = await api.SubmitOkAsync(cycleId, "tenant-flow", items);
        first.GetProperty("receiptNumber").GetString().ShouldBe("TT/2027/0001");
        first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemVersion").GetInt64()).ShouldBe([1L, 1L]);

        await api.VerifyOkAsync(cycleId, items[0], "accepted", tenant: "tenant-flow");
        await api.VerifyOkAsync(cycleId, items[1], "returned", "Ringkasan isi belum lengkap", "tenant-flow");

        // The unit corrects the returned item through the items API, then hands it over again.
        using (var unit = api.Client("tenant-flow"))
        using (var revised = await unit.SendAsync(HttpMethod.Patch, $"{Api.Items}/{items[1]}", new JsonObject { ["summary"] = "Ringkasan yang lengkap." }, ifMatch: "\"1\""))
            revised.StatusCode.ShouldBe(HttpStatusCode.OK, await revised.Content.ReadAsStringAsync());
        var second = await api.SubmitOkAsync(cycleId, "tenant-flow", items[1]);
        second.GetProperty("receiptNumber").GetString().ShouldBe("TT/2027/0002");
        second.GetProperty("items")[0].GetProperty("itemVersion").GetInt64().ShouldBe(2);
        await api.VerifyOkAsync(cycleId, items[1], "accepted", tenant: "tenant-flow");

        using var ppid = api.ClientAs("ppid", "tenant-flow");
        using var closed = await ppid.CloseAsync(cycleId);
        closed.StatusCode.ShouldBe(HttpStatusCode.OK, await closed.Content.ReadAsStringAsync());
        var accepted = (await closed.BodyAsync()).GetProperty("acceptedItems").EnumerateArray()
            .Select(a => (a.GetProperty("itemId").GetGuid(), a.GetProperty("itemVersion").GetInt64(), a.GetProperty("holdingUnit").GetString())).ToList();
        accepted.ShouldBe([(items[0], 1L, "DISKOMINFO"), (items[1], 2L, "DISKOMINFO")]);

        var cycle = await api.GetCycleAsync(cycleId, "tenant-flow");
        cycle.GetProperty("status").GetString().ShouldBe("closed");
        cycle.GetProperty("submissions").EnumerateArray().Select(s => s.GetProperty("receiptNumber").GetString()).ShouldBe(["TT/2027/0001", "TT/2027/0002"]);
        var rounds = cycle.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetGuid() == items[1]).GetProperty("rounds");
        rounds.EnumerateArray().Select(r => (r.GetProperty("receiptNumber").GetString(), r.GetProperty("outcome").GetString(), r.GetProperty("notes").GetString()))
            .ShouldBe([("TT/2027/0001", "returned", "Ringkasan isi belum lengkap"), ("TT/2027/0002", "accepted", null)]);

        await using var cmd = api.Database.DataSource.CreateCommand("select type from events where stream_id = $1 order by stream_version");
        cmd.Parameters.AddWithValue($"cycle-{cycleId}");
        var types = new List<string>();
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) types.Add(reader.GetString(0));
        types.ShouldBe(["registry.cycle-opened.v1", "registry.items-submitted.v1", "registry.submitted-item-accepted.v1", "registry.submitted-item-returned.v1",
            "registry.items-submitted.v1", "registry.submitted-item-accepted.v1", "registry.collection-closed.v1"]);

        // A closed cycle takes no more submissions.
        var late = await api.RegisterItemsAsync(1, "tenant-flow");
        using var unitClient = api.ClientAs("unit-kerja", "tenant-flow");
        using var refused = await unitClient.SubmitAsync(cycleId, CyclesApi.Submission("DISKOMINFO", late));
        (await refused.RefusalAsync()).ShouldBe("cycle-closed");
    }

    [Fact]
    public async Task Twenty_concurrent_submissions_get_twenty_distinct_consecutive_receipt_numbers()
    {
        await api.NewTenantAsync("tenant-parallel");
        var cycleId = await api.OpenCycleAsync("DIP 2027", "tenant-parallel");
        var items = await api.RegisterItemsAsync(20, "tenant-parallel");
        using var client = api.ClientAs("unit-kerja", "tenant-parallel");

        var responses = await Task.WhenAll(items.Select(item => client.SubmitAsync(cycleId, CyclesApi.Submission("DISKOMINFO", item))));
        try
        {
            foreach (var r in responses) r.StatusCode.ShouldBe(HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
            var numbers = new List<string>();
            foreach (var r in responses) numbers.Add((await r.BodyAsync()).GetProperty("receiptNumber").GetString()!);
            numbers.Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(1, 20).Select(n => $"TT/2027/{n:D4}"));
        }
        finally
        {
            foreach (var r in responses) r.Dispose();
        }
        var cycle = await api.GetCycleAsync(cycleId, "tenant-parallel");
        cycle.GetProperty("submissions").GetArrayLength().ShouldBe(20);
        cycle.GetProperty("version").GetInt64().ShouldBe(21);
    }

    [Fact]
    public async Task Refused_submissions_take_no_number_and_a_repeated_key_answers_the_same_receipt()
    {
        await api.NewTenantAsync("tenant-numbers");
        var cycleId = await api.OpenCycleAsync("DIP 2027", "tenant-numbers");
        var items = await api.RegisterItemsAsync(3, "tenant-numbers");
        using var client = api.ClientAs("unit-kerja", "tenant-numbers");

        using (var first = await client.SubmitAsync(cycleId, CyclesApi.Submission("DISKOMINFO", items[0]), idempotencyKey: "tt-1"))
        using (var again = await client.SubmitAsync(cycleId, CyclesApi.Submission("DISKOMINFO", items[0]), idempotencyKey: "tt-1"))
        {
            first.StatusCode.ShouldBe(HttpStatusCode.Created, await first.Content.ReadAsStringAsync());
            again.StatusCode.ShouldBe(HttpStatusCode.Created);
            again.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
            (await again.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
            (await first.BodyAsync()).GetProperty("receiptNumber").GetString().ShouldBe("TT/2027/0001");
        }
        var events = await api.EventCountAsync();

        // Refusals (item awaiting verification, unknown item) change nothing and give no number away.
        using (var awaiting = await client.SubmitAsync(cycleId, CyclesApi.Submission("DISKOMINFO", items[0], items[1])))
            (await awaiting.RefusalAsync()).ShouldBe("item-awaiting-verification");
        using (var unknown = await client.SubmitAsync(cycleId, CyclesApi.Submission("DISKOMINFO", Guid.CreateVersion7())))
            (await unknown.ValidationFieldsAsync()).ShouldBe(["itemIds[0]"]);
        (await api.EventCountAsync()).ShouldBe(events);

        (await api.SubmitOkAsync(cycleId, "tenant-numbers", items[1])).GetProperty("receiptNumber").GetString().ShouldBe("TT/2027/0002");
        (await api.SubmitOkAsync(cycleId, "tenant-numbers", items[2])).GetProperty("receiptNumber").GetString().ShouldBe("TT/2027/0003");
    }

    [Fact]
    public async Task Each_step_refuses_the_wrong_role_with_403_and_appends_nothing()
    {
        var cycleId = await api.OpenCycleAsync("Roles 2027");
        var items = await api.RegisterItemsAsync(1);
        var events = await api.EventCountAsync();

        using var unit = api.ClientAs("unit-kerja");
        using var secretariat = api.ClientAs("sekretariat");
        using (var r = await unit.SendAsync(HttpMethod.Post, CyclesApi.Cycles, new JsonObject { ["period"] = "X", ["year"] = 2027 })) r.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using (var r = await secretariat.SubmitAsync(cycleId, CyclesApi.Submission("DISKOMINFO", items))) r.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using (var r = await unit.VerifyAsync(cycleId, items[0], "accepted")) r.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using (var r = await unit.CloseAsync(cycleId)) r.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using (var noRole = api.Client())
        {
            noRole.DefaultRequestHeaders.Remove("X-Actor-Role");
            using var r = await noRole.CloseAsync(cycleId);
            r.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            r.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        }
        (await api.EventCountAsync()).ShouldBe(events);
    }

    [Fact]
    public async Task Steps_out_of_order_are_409_with_the_reason()
    {
        var cycleId = await api.OpenCycleAsync("Order 2027");
        var items = await api.RegisterItemsAsync(2);
        using var secretariat = api.ClientAs("sekretariat");
        using (var r = await secretariat.VerifyAsync(cycleId, items[0], "accepted")) (await r.RefusalAsync()).ShouldBe("item-not-submitted");

        await api.SubmitOkAsync(cycleId, "tenant-a", items);
        using (var r = await secretariat.CloseAsync(cycleId)) (await r.RefusalAsync()).ShouldBe("verification-pending");
        await api.VerifyOkAsync(cycleId, items[0], "accepted");
        await api.VerifyOkAsync(cycleId, items[1], "returned", "Unit salah");
        using (var r = await secretariat.VerifyAsync(cycleId, items[0], "returned", "late")) (await r.RefusalAsync()).ShouldBe("item-not-awaiting-verification");
        using (var r = await secretariat.VerifyAsync(cycleId, items[1], "accepted")) (await r.RefusalAsync()).ShouldBe("item-not-awaiting-verification");
        using var unit = api.ClientAs("unit-kerja");
        using (var r = await unit.SubmitAsync(cycleId, CyclesApi.Submission("DISKOMINFO", items[0]))) (await r.RefusalAsync()).ShouldBe("item-accepted");

        // Closing leaves the returned, not resubmitted item out; closing twice is refused.
        using (var r = await secretariat.CloseAsync(cycleId))
        {
            r.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await r.BodyAsync()).GetProperty("acceptedItems").EnumerateArray().Select(a => a.GetProperty("itemId").GetGuid()).ShouldBe([items[0]]);
        }
        using (var r = await secretariat.CloseAsync(cycleId)) (await r.RefusalAsync()).ShouldBe("cycle-closed");
    }

    [Fact]
    public async Task An_item_withdrawn_after_its_submission_cannot_be_accepted()
    {
        var cycleId = await api.OpenCycleAsync("Withdrawn 2027");
        var items = await api.RegisterItemsAsync(1);
        await api.SubmitOkAsync(cycleId, "tenant-a", items);
        using (var officer = api.Client())
        using (var withdrawn = await officer.SendAsync(HttpMethod.Post, $"{Api.Items}/{items[0]}/withdraw", new JsonObject { ["reason"] = "Dokumen dicabut" }))
            withdrawn.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var secretariat = api.ClientAs("sekretariat");
        using (var r = await secretariat.VerifyAsync(cycleId, items[0], "accepted")) (await r.RefusalAsync()).ShouldBe("item-withdrawn");
        await api.VerifyOkAsync(cycleId, items[0], "returned", "Item ditarik oleh unit");
    }

    [Fact]
    public async Task Opening_a_period_twice_is_refused()
    {
        await api.OpenCycleAsync("Semester 1 2027");
        using var ppid = api.ClientAs("ppid");
        using var again = await ppid.SendAsync(HttpMethod.Post, CyclesApi.Cycles, new JsonObject { ["period"] = "semester 1 2027", ["year"] = 2027 });
        (await again.RefusalAsync()).ShouldBe("period-exists");
    }

    [Fact]
    public async Task Concurrent_openings_of_one_period_open_it_once()
    {
        using var ppid = api.ClientAs("ppid");
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            ppid.SendAsync(HttpMethod.Post, CyclesApi.Cycles, new JsonObject { ["period"] = "Serentak 2027", ["year"] = 2027 })));
        try
        {
            responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1);
            foreach (var r in responses.Where(r => r.StatusCode != HttpStatusCode.Created)) (await r.RefusalAsync()).ShouldBe("period-exists");
        }
        finally
        {
            foreach (var r in responses) r.Dispose();
        }
        (await api.CountAsync("select count(*) from cycles where period = 'Serentak 2027'")).ShouldBe(1);
    }

    [Fact]
    public async Task Bad_requests_are_validation_problems_naming_each_field_and_change_nothing()
    {
        var cycleId = await api.OpenCycleAsync("Validation 2027");
        var mine = await api.RegisterItemsAsync(2);
        var setda = await api.RegisterItemsAsync(1, unit: "SETDA");
        using (var officer = api.Client())
        using (var withdrawn = await officer.SendAsync(HttpMethod.Post, $"{Api.Items}/{mine[1]}/withdraw", new JsonObject { ["reason"] = "Tidak dikuasai lagi" }))
            withdrawn.StatusCode.ShouldBe(HttpStatusCode.OK);
        var events = await api.EventCountAsync();

        using var ppid = api.ClientAs("ppid");
        using (var r = await ppid.SendAsync(HttpMethod.Post, CyclesApi.Cycles, new JsonObject { ["period"] = " ", ["year"] = 1999 }))
            (await r.ValidationFieldsAsync()).ShouldBe(["period", "year"], ignoreOrder: true);

        using var unit = api.ClientAs("unit-kerja");
        using (var r = await unit.SubmitAsync(cycleId, new JsonObject { ["unit"] = "DISKOMINFO", ["itemIds"] = new JsonArray() }))
            (await r.ValidationFieldsAsync()).ShouldBe(["itemIds"]);
        using (var r = await unit.SubmitAsync(cycleId, CyclesApi.Submission("DISKOMINFO", mine[0], mine[0])))
            (await r.ValidationFieldsAsync()).ShouldBe(["itemIds[1]"]);
        using (var r = await unit.SubmitAsync(cycleId, CyclesApi.Submission("DISKOMINFO", mine[0], mine[1], setda[0], Guid.CreateVersion7())))
            (await r.ValidationFieldsAsync()).ShouldBe(["itemIds[1]", "itemIds[2]", "itemIds[3]"], ignoreOrder: true);
        using (var r = await unit.SubmitAsync(cycleId, CyclesApi.Submission("NOPE", mine[0])))
            (await r.ValidationFieldsAsync()).ShouldContain("unit");

        using var secretariat = api.ClientAs("sekretariat");
        using (var r = await secretariat.VerifyAsync(cycleId, mine[0], "maybe")) (await r.ValidationFieldsAsync()).ShouldBe(["outcome"]);
        using (var r = await secretariat.VerifyAsync(cycleId, mine[0], "returned")) (await r.ValidationFieldsAsync()).ShouldBe(["notes"]);
        (await api.EventCountAsync()).ShouldBe(events);
    }

    [Fact]
    public async Task Another_tenants_cycle_is_not_found()
    {
        var cycleId = await api.OpenCycleAsync("Isolation 2027");
        var theirs = await api.RegisterItemsAsync(1, "tenant-b");
        using var other = api.Client("tenant-b");
        using (var r = await other.GetAsync($"{CyclesApi.Cycles}/{cycleId}")) r.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var unitB = api.ClientAs("unit-kerja", "tenant-b");
        using (var r = await unitB.SubmitAsync(cycleId, CyclesApi.Submission("DISKOMINFO", theirs))) r.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var ppidB = api.ClientAs("ppid", "tenant-b");
        using (var r = await ppidB.CloseAsync(cycleId)) r.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using (var r = await other.GetAsync(CyclesApi.Cycles))
            (await r.BodyAsync()).EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ShouldNotContain(cycleId);

        // Nor can a unit submit another tenant's item into its own cycle.
        var mine = await api.OpenCycleAsync("Isolation B 2027", "tenant-b");
        var tenantAItem = await api.RegisterItemsAsync(1);
        using (var r = await unitB.SubmitAsync(mine, CyclesApi.Submission("DISKOMINFO", tenantAItem))) (await r.ValidationFieldsAsync()).ShouldBe(["itemIds[0]"]);
    }

    [Fact]
    public async Task Cycles_are_listed_with_their_counts_and_filters()
    {
        await api.NewTenantAsync("tenant-list");
        var open = await api.OpenCycleAsync("DIP 2027", "tenant-list");
        var old = await api.OpenCycleAsync("DIP 2026", "tenant-list", 2026);
        using (var ppid = api.ClientAs("ppid", "tenant-list"))
        using (var closed = await ppid.CloseAsync(old))
            closed.StatusCode.ShouldBe(HttpStatusCode.OK);
        var items = await api.RegisterItemsAsync(1, "tenant-list");
        await api.SubmitOkAsync(open, "tenant-list", items);

        using var client = api.Client("tenant-list");
        using (var all = await client.GetAsync(CyclesApi.Cycles))
        {
            var list = (await all.BodyAsync()).EnumerateArray().ToList();
            list.Select(c => c.GetProperty("id").GetGuid()).ShouldBe([old, open], ignoreOrder: true);
            var current = list.Single(c => c.GetProperty("id").GetGuid() == open);
            current.GetProperty("submissions").GetInt32().ShouldBe(1);
            current.GetProperty("awaitingVerification").GetInt32().ShouldBe(1);
        }
        using (var openOnly = await client.GetAsync($"{CyclesApi.Cycles}?status=open"))
            (await openOnly.BodyAsync()).EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ShouldBe([open]);
        using (var of2026 = await client.GetAsync($"{CyclesApi.Cycles}?year=2026"))
            (await of2026.BodyAsync()).EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ShouldBe([old]);
        using (var bad = await client.GetAsync($"{CyclesApi.Cycles}?status=pending"))
            (await bad.ValidationFieldsAsync()).ShouldBe(["status"]);
    }

    [Fact]
    public async Task A_receipt_can_be_read_at_its_location()
    {
        var cycleId = await api.OpenCycleAsync("Receipt 2027");
        var items = await api.RegisterItemsAsync(1);
        using var unit = api.ClientAs("unit-kerja");
        using var submitted = await unit.SubmitAsync(cycleId, CyclesApi.Submission("DISKOMINFO", items));
        submitted.StatusCode.ShouldBe(HttpStatusCode.Created);
        var receipt = await submitted.BodyAsync();
        using var read = await unit.GetAsync(submitted.Headers.Location);
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await read.BodyAsync();
        body.GetProperty("receiptNumber").GetString().ShouldBe(receipt.GetProperty("receiptNumber").GetString());
        body.GetProperty("unit").GetString().ShouldBe("DISKOMINFO");
        body.GetProperty("items")[0].GetProperty("itemId").GetGuid().ShouldBe(items[0]);
    }

    [Fact]
    public async Task Concurrent_verifications_of_one_cycle_queue_on_the_cycle_instead_of_conflicting()
    {
        var cycleId = await api.OpenCycleAsync("Parallel verification 2027");
        var items = await api.RegisterItemsAsync(10);
        await api.SubmitOkAsync(cycleId, "tenant-a", items);
        using var secretariat = api.ClientAs("sekretariat");

        var responses = await Task.WhenAll(items.Select((item, i) => i % 2 == 0
            ? secretariat.VerifyAsync(cycleId, item, "accepted")
            : secretariat.VerifyAsync(cycleId, item, "returned", $"Perbaiki bagian {i}")));
        try
        {
            foreach (var r in responses) r.StatusCode.ShouldBe(HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
        }
        finally
        {
            foreach (var r in responses) r.Dispose();
        }
        var cycle = await api.GetCycleAsync(cycleId);
        cycle.GetProperty("version").GetInt64().ShouldBe(12);
        cycle.GetProperty("items").EnumerateArray().Count(i => i.GetProperty("status").GetString() == "accepted").ShouldBe(5);
        cycle.GetProperty("items").EnumerateArray().Count(i => i.GetProperty("status").GetString() == "returned").ShouldBe(5);
    }

    [Fact]
    public async Task A_stale_if_match_on_a_cycle_command_is_409_and_a_fresh_one_succeeds()
    {
        var cycleId = await api.OpenCycleAsync("If-Match 2027");
        var items = await api.RegisterItemsAsync(1);
        await api.SubmitOkAsync(cycleId, "tenant-a", items);
        using var secretariat = api.ClientAs("sekretariat");
        var events = await api.EventCountAsync();
        using (var stale = await secretariat.SendAsync(HttpMethod.Post, $"{CyclesApi.Cycles}/{cycleId}/items/{items[0]}/verification",
            new JsonObject { ["outcome"] = "accepted" }, ifMatch: "\"1\""))
        {
            stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await stale.BodyAsync()).GetProperty("currentVersion").GetInt64().ShouldBe(2);
        }
        (await api.EventCountAsync()).ShouldBe(events);
        using var fresh = await secretariat.SendAsync(HttpMethod.Post, $"{CyclesApi.Cycles}/{cycleId}/items/{items[0]}/verification",
            new JsonObject { ["outcome"] = "accepted" }, ifMatch: "\"2\"");
        fresh.StatusCode.ShouldBe(HttpStatusCode.OK);
        fresh.Headers.ETag!.Tag.ShouldBe("\"3\"");
    }

    [Fact]
    public async Task Closing_collection_publishes_the_accepted_items_on_rabbitmq_for_classification()
    {
        // Classification's side of the contract: a queue bound to the event's exchange (the same fanout declaration the forwarder makes).
        var factory = new ConnectionFactory { Uri = api.Vhost.Uri };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("registry.collection-closed.v1", ExchangeType.Fanout, durable: true, autoDelete: false);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, "registry.collection-closed.v1", "");

        var cycleId = await api.OpenCycleAsync("Handover 2027");
        var items = await api.RegisterItemsAsync(1);
        await api.SubmitOkAsync(cycleId, "tenant-a", items);
        await api.VerifyOkAsync(cycleId, items[0], "accepted");
        using (var ppid = api.ClientAs("ppid"))
        using (var closed = await ppid.CloseAsync(cycleId))
            closed.StatusCode.ShouldBe(HttpStatusCode.OK);

        BasicGetResult? message = null;
        for (var attempt = 0; attempt < 300 && message is null; attempt++)
        {
            message = await channel.BasicGetAsync(queue, autoAck: true);
            if (message is null) await Task.Delay(100);
        }
        message.ShouldNotBeNull("registry.collection-closed.v1 did not reach RabbitMQ within 30 s");
        Encoding.UTF8.GetString((byte[])message.BasicProperties.Headers![WireHeaders.Tenant]!).ShouldBe("tenant-a");
        var body = JsonDocument.Parse(message.Body).RootElement;
        body.GetProperty("cycleId").GetGuid().ShouldBe(cycleId);
        body.GetProperty("period").GetString().ShouldBe("Handover 2027");
        var accepted = body.GetProperty("acceptedItems").EnumerateArray().ShouldHaveSingleItem();
        accepted.GetProperty("itemId").GetGuid().ShouldBe(items[0]);
        accepted.GetProperty("itemVersion").GetInt64().ShouldBe(1);
        accepted.GetProperty("holdingUnit").GetString().ShouldBe("DISKOMINFO");
    }
}
