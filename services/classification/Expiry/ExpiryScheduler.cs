using Npgsql;
using Ppid.Classification.Classifications;
using Ppid.Contracts.Classification;
using Ppid.Platform.Calendar;
using Ppid.Platform.EventSourcing;

namespace Ppid.Classification.Expiry;

/// <summary>Configuration section <c>Classification:Expiry</c>.</summary>
public sealed class ExpiryOptions
{
    /// <summary>How often the active instance looks for exemptions due or ended.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How often a standby instance tries to become the active one (and how soon a failed run is
    /// retried): short, so a standby takes over within seconds of the leader's death, whatever the
    /// run <see cref="Interval"/> is.
    /// </summary>
    public TimeSpan StandbyRetry { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>An opening decision is due this many working days before an exemption ends (DOMAIN.md; configurable because the source is secondary).</summary>
    public int LeadWorkingDays { get; set; } = 30;

    /// <summary>Non-working days besides weekends for every tenant (national holidays, cuti bersama).</summary>
    public List<DateOnly> Holidays { get; set; } = [];

    /// <summary>A tenant's own non-working days (regional holidays), on top of <see cref="Holidays"/>.</summary>
    public Dictionary<string, List<DateOnly>> TenantHolidays { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The tenant's calendar: the platform's working days (Monday–Friday) minus both holiday lists.</summary>
    public WorkingCalendar CalendarFor(string tenant) =>
        WorkingCalendar.Default((TenantHolidays.TryGetValue(tenant, out var own) ? Holidays.Concat(own) : Holidays).ToHashSet());

    /// <summary>How far ahead (calendar days) an end date can be and still be due: weekends plus every holiday, generously.</summary>
    public int LookAheadDays => (LeadWorkingDays * 7 / 5) + 7 + Holidays.Count + (TenantHolidays.Count == 0 ? 0 : TenantHolidays.Values.Max(h => h.Count));
}

/// <summary>What one run did.</summary>
public sealed record ExpiryRun(int DecisionsDue, int Opened, int Skipped);

/// <summary>
/// Exemption periods (Pasal 20): for each ratified, current exemption with an end date, raises
/// <see cref="OpeningDecisionDue"/> once from <see cref="ExpiryOptions.LeadWorkingDays"/> working days
/// before the end, and opens the item (<see cref="ExemptItemOpened"/>, expired, as setiap-saat) on its
/// end date unless a reclassification superseded it meanwhile (an extension goes through the workflow).
/// Each append expects the version it read, so two runs at once (or a step in between) never
/// double anything: the loser's append fails and the next run reads afresh.
/// </summary>
public sealed class ExpiryScheduler(EventStore store, ExpiryOptions options, ILogger<ExpiryScheduler> logger)
{
    public const string Actor = "expiry-scheduler";

    public async Task<ExpiryRun> RunOnceAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        var today = ClassificationCommands.Today(now);
        var candidates = new List<(Guid Id, Guid ItemId, string Tenant, DateOnly Until, bool Due, long Version)>();
        await using (var cmd = store.DataSource.CreateCommand(
            """
            select classification_id, item_id, tenant, exempt_until, opening_due, version from classifications
             where status = 'ratified' and category = 'dikecualikan' and exempt_until is not null and exempt_until <= $1
            """))
        {
            // Only rows whose end is near enough to matter.
            cmd.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = today.AddDays(options.LookAheadDays) });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                candidates.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetFieldValue<DateOnly>(3), reader.GetBoolean(4), reader.GetInt64(5)));
            }
        }

        int due = 0, opened = 0, skipped = 0;
        foreach (var c in candidates)
        {
            object? @event = null;
            if (today >= c.Until) @event = new ExemptItemOpened(c.Id, c.ItemId, OpeningReason.Expired, null, Category.SetiapSaat, now);
            else if (!c.Due && options.CalendarFor(c.Tenant).WorkingDaysBefore(c.Until, options.LeadWorkingDays) is var from && today >= from)
                @event = new OpeningDecisionDue(c.Id, c.ItemId, c.Until, from, now);
            if (@event is null) continue;
            try
            {
                await store.AppendAsync(ClassificationState.StreamId(c.Id), ClassificationState.StreamType, ExpectedVersion.Exactly(c.Version),
                    [new EventData(@event)], EventMetadata.System(c.Tenant, Actor), ct);
                if (@event is ExemptItemOpened) opened++; else due++;
            }
            catch (ConcurrencyException)
            {
                // Another instance, or a workflow step, got there first: the next run decides on what is there now.
                skipped++;
            }
        }
        if (due + opened > 0) logger.LogInformation("Expiry run: {Due} opening decisions due, {Opened} exempt items opened", due, opened);
        return new ExpiryRun(due, opened, skipped);
    }
}
