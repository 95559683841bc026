using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Ppid.Classification.Expiry;
using Ppid.Testing;

namespace Ppid.Classification.Tests;

/// <summary>Each tenant's holidays feed the platform's working-day calendar (its own tests are in Ppid.Platform.Tests).</summary>
public sealed class WorkingDayTests
{
    [Fact]
    public void A_tenant_adds_its_own_holidays_to_the_national_ones()
    {
        var options = new ExpiryOptions
        {
            Holidays = [new DateOnly(2029, 12, 25)],
            TenantHolidays = new() { ["tenant-a"] = [new DateOnly(2029, 12, 24)] },
        };
        options.CalendarFor("tenant-a").WorkingDaysBefore(new DateOnly(2029, 12, 27), 2).ShouldBe(new DateOnly(2029, 12, 21));
        options.CalendarFor("tenant-b").WorkingDaysBefore(new DateOnly(2029, 12, 27), 2).ShouldBe(new DateOnly(2029, 12, 24));
    }
}

/// <summary>The expiry scheduler driven by hand: each run at an instant the test chooses.</summary>
public sealed class ExpiryTests : IClassFixture<ApiWithRegistry>, IDisposable
{
    private readonly ApiWithRegistry api;
    private readonly Cycle _cycle;

    public ExpiryTests(ApiWithRegistry api)
    {
        this.api = api;
        _cycle = new Cycle(api);
        api.Clock.Set(ApiWithRegistry.Now);
    }

    public void Dispose() => api.Clock.Set(ApiWithRegistry.Now);

    private ExpiryScheduler Scheduler => api.Services.GetRequiredService<ExpiryScheduler>();

    /// <summary>Moves the service's clock to 09:00 WIB on the day, and gives the scheduler that instant, as its loop does.</summary>
    private DateTimeOffset At(int year, int month, int day)
    {
        api.Clock.Set(new DateTimeOffset(year, month, day, 2, 0, 0, TimeSpan.Zero));
        return api.Clock.GetUtcNow();
    }

    private static JsonObject Exempt(Guid item, string until, string letter = "a")
    {
        var body = Api.Proposal(item, "dikecualikan");
        var test = body["consequenceTest"]!.AsObject();
        test["pasal17Letter"] = letter;
        test["pasal17SubPoint"] = letter == "a" ? "2" : null;
        test["exemptUntil"] = until;
        return body;
    }

    private Task<long> CountAsync(Guid id, string type) =>
        api.CountAsync($"select count(*) from events where stream_id = 'classification-{id}' and type = 'classification.{type}.v1'");

    [Fact]
    public async Task An_opening_decision_is_due_30_working_days_before_the_end_once_and_the_item_opens_on_its_end_date()
    {
        var item = await api.RegisterItemAsync();
        var (id, _) = await _cycle.RatifiedAsync(Exempt(item, "2029-12-31")); // a Monday; 30 working days before: Monday 19 November

        await Scheduler.RunOnceAsync(At(2029, 11, 16));
        (await CountAsync(id, "opening-decision-due")).ShouldBe(0);

        await Scheduler.RunOnceAsync(At(2029, 11, 19));
        await Scheduler.RunOnceAsync(At(2029, 11, 20));
        (await CountAsync(id, "opening-decision-due")).ShouldBe(1);
        using var client = api.Ppid();
        var due = await client.GetAsync(id);
        due.GetProperty("openingDecisionDueFrom").GetString().ShouldBe("2029-11-19");
        due.GetProperty("status").GetString().ShouldBe("ratified");
        due.GetProperty("history").EnumerateArray().Last().GetProperty("actorRole").GetString().ShouldBe("system");

        await Scheduler.RunOnceAsync(At(2029, 12, 30));
        (await CountAsync(id, "exempt-item-opened")).ShouldBe(0);
        await Scheduler.RunOnceAsync(At(2029, 12, 31));
        await Scheduler.RunOnceAsync(At(2030, 1, 2));
        (await CountAsync(id, "exempt-item-opened")).ShouldBe(1);
        var opened = await client.GetAsync(id);
        opened.GetProperty("status").GetString().ShouldBe("opened");
        opened.GetProperty("openingReason").GetString().ShouldBe("expired");
        opened.GetProperty("openedAs").GetString().ShouldBe("setiap-saat");
        opened.GetProperty("openedAt").GetDateTimeOffset().ShouldBe(new DateTimeOffset(2029, 12, 31, 2, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task An_exemption_extended_by_a_reclassification_does_not_open_at_the_old_end_date()
    {
        var item = await api.RegisterItemAsync();
        var (first, _) = await _cycle.RatifiedAsync(Exempt(item, "2028-06-30"));
        var extension = Exempt(item, "2031-06-30");
        extension["supersedes"] = first;
        extension["trigger"] = "monitoring";
        var (second, _) = await _cycle.RatifiedAsync(extension);

        await Scheduler.RunOnceAsync(At(2028, 7, 3));

        (await CountAsync(first, "exempt-item-opened")).ShouldBe(0);
        (await CountAsync(second, "exempt-item-opened")).ShouldBe(0);
        (await CountAsync(second, "opening-decision-due")).ShouldBe(0);
    }

    [Fact]
    public async Task An_indefinite_exemption_under_letters_g_to_j_never_opens_by_itself()
    {
        var item = await api.RegisterItemAsync();
        var body = Exempt(item, "2029-01-01", "h");
        body["consequenceTest"]!["pasal17SubPoint"] = "2";
        body["consequenceTest"]!.AsObject().Remove("exemptUntil");
        var (id, _) = await _cycle.RatifiedAsync(body);

        await Scheduler.RunOnceAsync(At(2099, 1, 1));

        (await CountAsync(id, "exempt-item-opened")).ShouldBe(0);
        (await CountAsync(id, "opening-decision-due")).ShouldBe(0);
    }

    [Fact]
    public async Task Two_runs_at_once_raise_and_open_each_exemption_once()
    {
        var item = await api.RegisterItemAsync();
        var (id, _) = await _cycle.RatifiedAsync(Exempt(item, "2030-03-29"));

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Scheduler.RunOnceAsync(At(2030, 3, 1))));
        (await CountAsync(id, "opening-decision-due")).ShouldBe(1);

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Scheduler.RunOnceAsync(At(2030, 3, 29))));
        (await CountAsync(id, "exempt-item-opened")).ShouldBe(1);
        runs.Sum(r => r.Opened).ShouldBe(1);
    }
}

/// <summary>One active scheduler across processes: the running service holds the advisory lock, so another instance cannot take it.</summary>
public sealed class ExpiryLeadershipTests(ApiWithRegistry api) : IClassFixture<ApiWithRegistry>
{
    [Fact]
    public async Task The_running_instance_holds_the_scheduler_lock_and_another_cannot_take_it()
    {
        await using var other = await api.Database.DataSource.OpenConnectionAsync();
        var refused = await Poll.UntilAsync(async () =>
        {
            await using var cmd = new Npgsql.NpgsqlCommand("select pg_try_advisory_lock(hashtextextended($1, 0))", other);
            cmd.Parameters.AddWithValue(ExpiryService.LockName);
            if (!(bool)(await cmd.ExecuteScalarAsync())!) return true;
            // The service had not taken it yet (it starts in the background): give it back and look again.
            await using var release = new Npgsql.NpgsqlCommand("select pg_advisory_unlock(hashtextextended($1, 0))", other);
            release.Parameters.AddWithValue(ExpiryService.LockName);
            await release.ExecuteScalarAsync();
            return false;
        }, TimeSpan.FromSeconds(30));
        refused.ShouldBeTrue("the service never took the scheduler's advisory lock");
    }
}

/// <summary>The classification service with its scheduler loop waking every 200 ms.</summary>
public sealed class ApiWithFastScheduler : ApiWithRegistry
{
    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Classification:Expiry:Interval", "00:00:00.2");
    }
}

/// <summary>The background loop itself, on the clock the test moves.</summary>
public sealed class ExpiryLoopTests(ApiWithFastScheduler api) : IClassFixture<ApiWithFastScheduler>
{
    [Fact]
    public async Task The_running_service_opens_an_exemption_once_its_clock_reaches_the_end_date()
    {
        var item = await api.RegisterItemAsync();
        var body = Api.Proposal(item, "dikecualikan");
        body["consequenceTest"]!["exemptUntil"] = "2027-06-30";
        var (id, _) = await new Cycle(api).RatifiedAsync(body);

        api.Clock.Set(new DateTimeOffset(2027, 6, 30, 2, 0, 0, TimeSpan.Zero));

        await api.WaitUntilAsync($"select count(*) from classifications where classification_id = '{id}' and status = 'opened'", 1);
        (await api.CountAsync($"select count(*) from events where stream_id = 'classification-{id}' and type = 'classification.opening-decision-due.v1'")).ShouldBe(0);
        (await api.CountAsync($"select count(*) from events where stream_id = 'classification-{id}' and type = 'classification.exempt-item-opened.v1' and metadata->>'actorId' = 'expiry-scheduler'"))
            .ShouldBe(1);
    }
}
