namespace Ppid.Platform.Calendar;

/// <summary>The units of time the SOPs use for their time standards.</summary>
public enum DurationUnit
{
    Minutes,
    Hours,
    Days,
    Months,
}

/// <summary>
/// The suite's one working-day calendar (pure): office hours in a time zone, Monday to Friday, minus
/// the holidays the caller gives (each service keeps its own holidays per tenant). Time standards are
/// counted on it (services/registry/README.md has the SOP rules):
/// <list type="bullet">
/// <item>minutes and hours: office time only; work that does not fit today continues at the next opening;</item>
/// <item>days: whole working days after the day counting starts (that day itself does not count); due at the close of the last one;</item>
/// <item>months: the same date N calendar months later (clamped to the month's end), moved to the next working day when it is not one; due at its close.</item>
/// </list>
/// </summary>
public sealed class WorkingCalendar
{
    public const string DefaultTimeZone = "Asia/Jakarta";
    public static readonly TimeOnly DefaultOfficeStart = new(8, 0);
    public static readonly TimeOnly DefaultOfficeEnd = new(16, 0);

    private readonly TimeZoneInfo _zone;
    private readonly TimeOnly _start;
    private readonly TimeOnly _end;
    private readonly IReadOnlySet<DateOnly> _holidays;

    public WorkingCalendar(TimeZoneInfo zone, TimeOnly officeStart, TimeOnly officeEnd, IReadOnlySet<DateOnly> holidays)
    {
        if (officeEnd <= officeStart) throw new ArgumentException("Office hours must end after they start.", nameof(officeEnd));
        _zone = zone;
        _start = officeStart;
        _end = officeEnd;
        _holidays = holidays;
    }

    public TimeZoneInfo Zone => _zone;

    public static WorkingCalendar Default(IReadOnlySet<DateOnly>? holidays = null) =>
        new(TimeZoneInfo.FindSystemTimeZoneById(DefaultTimeZone), DefaultOfficeStart, DefaultOfficeEnd, holidays ?? new HashSet<DateOnly>());

    public bool IsWorkingDay(DateOnly date) => date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !_holidays.Contains(date);

    /// <summary>The local date of an instant in the calendar's time zone.</summary>
    public DateOnly LocalDate(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, _zone).DateTime);

    /// <summary>The working day <paramref name="count"/> working days before <paramref name="date"/> (which itself does not count).</summary>
    public DateOnly WorkingDaysBefore(DateOnly date, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var day = date;
        while (count > 0)
        {
            day = day.AddDays(-1);
            if (IsWorkingDay(day)) count--;
        }
        return day;
    }

    /// <summary>When a step that starts at <paramref name="from"/> and takes <paramref name="amount"/> <paramref name="unit"/> is due.</summary>
    public DateTimeOffset Add(DateTimeOffset from, int amount, DurationUnit unit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        return unit switch
        {
            DurationUnit.Minutes => AddOfficeMinutes(from, amount),
            DurationUnit.Hours => AddOfficeMinutes(from, amount * 60L),
            DurationUnit.Days => AddWorkingDays(from, amount),
            DurationUnit.Months => AddMonths(from, amount),
            _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, null),
        };
    }

    private DateTimeOffset AddOfficeMinutes(DateTimeOffset from, long minutes)
    {
        var local = TimeZoneInfo.ConvertTime(from, _zone).DateTime;
        var date = DateOnly.FromDateTime(local);
        var time = TimeOnly.FromDateTime(local);
        var remaining = TimeSpan.FromMinutes(minutes);
        while (true)
        {
            if (!IsWorkingDay(date) || time >= _end)
            {
                date = NextWorkingDay(date);
                time = _start;
                continue;
            }
            if (time < _start) time = _start;
            var available = _end - time;
            if (remaining <= available) return Instant(date, time.Add(remaining));
            remaining -= available;
            date = NextWorkingDay(date);
            time = _start;
        }
    }

    private DateTimeOffset AddWorkingDays(DateTimeOffset from, int days)
    {
        var date = LocalDate(from);
        for (var i = 0; i < days; i++) date = NextWorkingDay(date);
        return Instant(date, _end);
    }

    private DateTimeOffset AddMonths(DateTimeOffset from, int months)
    {
        var date = LocalDate(from).AddMonths(months);
        if (!IsWorkingDay(date)) date = NextWorkingDay(date);
        return Instant(date, _end);
    }

    private DateOnly NextWorkingDay(DateOnly date)
    {
        // Terminates: holidays are a finite set, so some weekday after them is a working day.
        do date = date.AddDays(1);
        while (!IsWorkingDay(date));
        return date;
    }

    private DateTimeOffset Instant(DateOnly date, TimeOnly time)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, _zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
