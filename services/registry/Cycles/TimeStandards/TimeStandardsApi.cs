using System.Globalization;
using System.Text.Json;
using Npgsql;
using Ppid.Platform.Calendar;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;

namespace Ppid.Registry.Cycles.TimeStandards;

public sealed record SopStepView(string Code, string Name, int Amount, string Unit);

/// <summary>The tenant's SOP profile; <see cref="IsDefault"/> when the tenant has not set its own (seed 000's).</summary>
public sealed record SopProfileView(IReadOnlyList<SopStepView> Steps, bool IsDefault);

public sealed record CalendarRequest(string? TimeZone, string? OfficeStart, string? OfficeEnd);

public sealed record HolidayRequest(string? Name);

public sealed record Holiday(DateOnly Date, string Name);

/// <summary>Working days are Monday to Friday in <see cref="TimeZone"/>, between the office hours, except the holidays.</summary>
public sealed record CalendarView(string TimeZone, string OfficeStart, string OfficeEnd, IReadOnlyList<Holiday> Holidays, bool IsDefault);

/// <summary>
/// The tenant's time standards (SOP profile) and working-day calendar, managed by the PPID through
/// the API. Plain tables (registry migration 0002), like units: a cycle copies the due dates it
/// needs into its opening event, so the history of a cycle never depends on these rows later.
/// </summary>
public static class TimeStandardsApi
{
    public const int MaxHolidayNameLength = 200;

    public static RouteGroupBuilder MapTimeStandards(this RouteGroupBuilder group)
    {
        group.MapGet("/sop-profile", GetProfileAsync);
        group.MapPut("/sop-profile", PutProfileAsync);
        group.MapGet("/calendar", GetCalendarAsync);
        group.MapPut("/calendar", PutCalendarAsync);
        group.MapPut("/calendar/holidays/{date}", PutHolidayAsync);
        group.MapDelete("/calendar/holidays/{date}", DeleteHolidayAsync);
        return group;
    }

    /// <summary>The tenant's SOP steps (its own or the default).</summary>
    public static async Task<(IReadOnlyList<SopStep> Steps, bool IsDefault)> LoadProfileAsync(NpgsqlDataSource db, string tenant, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select steps::text from sop_profiles where tenant = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        return await cmd.ExecuteScalarAsync(ct) is string json
            ? (JsonSerializer.Deserialize<List<SopStep>>(json, EventJson.Options)!, false)
            : (SopProfile.Default, true);
    }

    /// <summary>The tenant's working-day calendar (its own settings or the default) with its holidays.</summary>
    public static async Task<(WorkingCalendar Calendar, CalendarView View)> LoadCalendarAsync(NpgsqlDataSource db, string tenant, CancellationToken ct)
    {
        var zone = WorkingCalendar.DefaultTimeZone;
        var start = WorkingCalendar.DefaultOfficeStart;
        var end = WorkingCalendar.DefaultOfficeEnd;
        var isDefault = true;
        var holidays = new List<Holiday>();
        await using (var cmd = db.CreateCommand("select time_zone, office_start, office_end from work_calendars where tenant = $1"))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                (zone, start, end, isDefault) = (reader.GetString(0), reader.GetFieldValue<TimeOnly>(1), reader.GetFieldValue<TimeOnly>(2), false);
            }
        }
        await using (var cmd = db.CreateCommand("select date, name from holidays where tenant = $1 order by date"))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) holidays.Add(new Holiday(reader.GetFieldValue<DateOnly>(0), reader.GetString(1)));
        }
        var calendar = new WorkingCalendar(TimeZoneInfo.FindSystemTimeZoneById(zone), start, end, holidays.Select(h => h.Date).ToHashSet());
        return (calendar, new CalendarView(zone, Time(start), Time(end), holidays, isDefault));
    }

    private static string Time(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    private static SopProfileView View(IReadOnlyList<SopStep> steps, bool isDefault) =>
        new([.. steps.Select(s => new SopStepView(s.Code, s.Name, s.Amount, SopProfile.UnitName(s.Unit)))], isDefault);

    private static async Task<IResult> GetProfileAsync(RequestContext request, NpgsqlDataSource db, CancellationToken ct)
    {
        var (steps, isDefault) = await LoadProfileAsync(db, request.Tenant, ct);
        return TypedResults.Ok(View(steps, isDefault));
    }

    private static async Task<IResult> PutProfileAsync(SopProfileRequest body, RequestContext request, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (CycleCommands.RequireRole(request, Roles.Ppid) is { } forbidden) return forbidden;
        var errors = new ValidationErrors();
        var steps = SopProfile.Validate(body, errors);
        if (steps is null) return Problems.Invalid(errors);
        await using var cmd = db.CreateCommand(
            """
            insert into sop_profiles (tenant, steps, updated_at) values ($1, $2::jsonb, $3)
            on conflict (tenant) do update set steps = excluded.steps, updated_at = excluded.updated_at
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(steps, EventJson.Options) });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        await cmd.ExecuteNonQueryAsync(ct);
        return TypedResults.Ok(View(steps, false));
    }

    private static async Task<IResult> GetCalendarAsync(RequestContext request, NpgsqlDataSource db, CancellationToken ct) =>
        TypedResults.Ok((await LoadCalendarAsync(db, request.Tenant, ct)).View);

    private static async Task<IResult> PutCalendarAsync(CalendarRequest body, RequestContext request, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (CycleCommands.RequireRole(request, Roles.Ppid) is { } forbidden) return forbidden;
        var errors = new ValidationErrors();
        var zone = errors.Required("timeZone", body.TimeZone, 100);
        if (zone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _)) { errors.Add("timeZone", "Unknown time zone: use an IANA name such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura."); zone = null; }
        var start = ParseTime("officeStart", body.OfficeStart, errors);
        var end = ParseTime("officeEnd", body.OfficeEnd, errors);
        if (start is not null && end is not null && end <= start) errors.Add("officeEnd", "Must be later than officeStart.");
        if (errors.Any) return Problems.Invalid(errors);
        await using (var cmd = db.CreateCommand(
            """
            insert into work_calendars (tenant, time_zone, office_start, office_end, updated_at) values ($1, $2, $3, $4, $5)
            on conflict (tenant) do update set time_zone = excluded.time_zone, office_start = excluded.office_start,
                office_end = excluded.office_end, updated_at = excluded.updated_at
            """))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = zone! });
            cmd.Parameters.Add(new NpgsqlParameter<TimeOnly> { TypedValue = start!.Value });
            cmd.Parameters.Add(new NpgsqlParameter<TimeOnly> { TypedValue = end!.Value });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        return TypedResults.Ok((await LoadCalendarAsync(db, request.Tenant, ct)).View);
    }

    private static async Task<IResult> PutHolidayAsync(string date, HolidayRequest body, RequestContext request, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (CycleCommands.RequireRole(request, Roles.Ppid) is { } forbidden) return forbidden;
        var errors = new ValidationErrors();
        var day = ParseDate(date, errors);
        var name = errors.Required("name", body.Name, MaxHolidayNameLength);
        if (errors.Any) return Problems.Invalid(errors);
        await using var cmd = db.CreateCommand(
            """
            insert into holidays (tenant, date, name, updated_at) values ($1, $2, $3, $4)
            on conflict (tenant, date) do update set name = excluded.name, updated_at = excluded.updated_at
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        cmd.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = day!.Value });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name! });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        await cmd.ExecuteNonQueryAsync(ct);
        return TypedResults.Ok(new Holiday(day.Value, name!));
    }

    private static async Task<IResult> DeleteHolidayAsync(string date, RequestContext request, NpgsqlDataSource db, CancellationToken ct)
    {
        if (CycleCommands.RequireRole(request, Roles.Ppid) is { } forbidden) return forbidden;
        var errors = new ValidationErrors();
        var day = ParseDate(date, errors);
        if (errors.Any) return Problems.Invalid(errors);
        await using var cmd = db.CreateCommand("delete from holidays where tenant = $1 and date = $2");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        cmd.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = day!.Value });
        return await cmd.ExecuteNonQueryAsync(ct) == 0 ? Problems.NotFound($"A holiday on {date}") : TypedResults.NoContent();
    }

    private static DateOnly? ParseDate(string text, ValidationErrors errors)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        errors.Add("date", "Must be a date as yyyy-MM-dd.");
        return null;
    }

    private static TimeOnly? ParseTime(string field, string? text, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text)) { errors.Add(field, "Required."); return null; }
        if (TimeOnly.TryParseExact(text.Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)) return time;
        errors.Add(field, "Must be a time of day as HH:mm.");
        return null;
    }
}
