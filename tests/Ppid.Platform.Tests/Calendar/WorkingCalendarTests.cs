using Ppid.Platform.Calendar;

namespace Ppid.Platform.Tests.Calendar;

/// <summary>The working-day calculator: Asia/Jakarta (UTC+7), 08:00–16:00, Monday to Friday, minus the tenant's holidays.</summary>
public sealed class WorkingCalendarTests
{
    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    private static DateTimeOffset Jakarta(int year, int month, int day, int hour, int minute = 0) => new(year, month, day, hour, minute, 0, Wib);

    private static readonly WorkingCalendar Calendar = WorkingCalendar.Default();

    [Fact]
    public void An_hour_within_office_hours_ends_an_hour_later()
    {
        Calendar.Add(Jakarta(2027, 3, 10, 9), 1, DurationUnit.Hours).ShouldBe(Jakarta(2027, 3, 10, 10));
    }

    [Fact]
    public void Hours_that_do_not_fit_today_continue_at_the_next_opening()
    {
        Calendar.Add(Jakarta(2027, 3, 10, 15, 30), 1, DurationUnit.Hours).ShouldBe(Jakarta(2027, 3, 11, 8, 30));
    }

    [Fact]
    public void Hours_started_on_friday_afternoon_continue_on_monday()
    {
        Calendar.Add(Jakarta(2027, 3, 12, 15), 2, DurationUnit.Hours).ShouldBe(Jakarta(2027, 3, 15, 9));
    }

    [Fact]
    public void Hours_started_outside_office_hours_start_counting_at_the_next_opening()
    {
        Calendar.Add(Jakarta(2027, 3, 10, 6), 1, DurationUnit.Hours).ShouldBe(Jakarta(2027, 3, 10, 9));
        Calendar.Add(Jakarta(2027, 3, 10, 18), 30, DurationUnit.Minutes).ShouldBe(Jakarta(2027, 3, 11, 8, 30));
        Calendar.Add(Jakarta(2027, 3, 13, 10), 45, DurationUnit.Minutes).ShouldBe(Jakarta(2027, 3, 15, 8, 45)); // Saturday
    }

    [Fact]
    public void A_full_office_day_of_hours_ends_at_closing_time()
    {
        Calendar.Add(Jakarta(2027, 3, 10, 8), 8, DurationUnit.Hours).ShouldBe(Jakarta(2027, 3, 10, 16));
        Calendar.Add(Jakarta(2027, 3, 10, 8), 9, DurationUnit.Hours).ShouldBe(Jakarta(2027, 3, 11, 9));
    }

    [Fact]
    public void Days_are_whole_working_days_after_the_start_day_skipping_weekends()
    {
        // Wednesday: Thu, Fri, Mon, Tue, Wed, Thu, Fri.
        Calendar.Add(Jakarta(2027, 3, 10, 9), 7, DurationUnit.Days).ShouldBe(Jakarta(2027, 3, 19, 16));
        // From Saturday the first working day is Monday.
        Calendar.Add(Jakarta(2027, 3, 13, 10), 1, DurationUnit.Days).ShouldBe(Jakarta(2027, 3, 15, 16));
    }

    [Fact]
    public void Holidays_are_not_working_days()
    {
        var calendar = WorkingCalendar.Default(new HashSet<DateOnly> { new(2027, 3, 15), new(2027, 3, 16) });
        calendar.Add(Jakarta(2027, 3, 12, 9), 1, DurationUnit.Days).ShouldBe(Jakarta(2027, 3, 17, 16));
        calendar.Add(Jakarta(2027, 3, 12, 15), 2, DurationUnit.Hours).ShouldBe(Jakarta(2027, 3, 17, 9));
        calendar.IsWorkingDay(new DateOnly(2027, 3, 15)).ShouldBeFalse();
        calendar.IsWorkingDay(new DateOnly(2027, 3, 17)).ShouldBeTrue();
    }

    [Fact]
    public void Months_are_calendar_months_moved_to_the_next_working_day_when_needed()
    {
        Calendar.Add(Jakarta(2027, 3, 10, 9), 1, DurationUnit.Months).ShouldBe(Jakarta(2027, 4, 12, 16)); // 10 April 2027 is a Saturday
        Calendar.Add(Jakarta(2027, 1, 31, 10), 1, DurationUnit.Months).ShouldBe(Jakarta(2027, 3, 1, 16)); // 28 February 2027 is a Sunday
        Calendar.Add(Jakarta(2027, 1, 29, 10), 6, DurationUnit.Months).ShouldBe(Jakarta(2027, 7, 29, 16));
    }

    [Fact]
    public void Office_hours_are_read_in_the_calendars_own_time_zone()
    {
        var jayapura = new WorkingCalendar(TimeZoneInfo.FindSystemTimeZoneById("Asia/Jayapura"), new TimeOnly(7, 30), new TimeOnly(16, 0), new HashSet<DateOnly>());
        var wednesday0900Wib = Jakarta(2027, 3, 10, 9); // 11:00 in WIT
        jayapura.Add(wednesday0900Wib, 1, DurationUnit.Hours).ShouldBe(new DateTimeOffset(2027, 3, 10, 12, 0, 0, TimeSpan.FromHours(9)));
        jayapura.Add(wednesday0900Wib, 1, DurationUnit.Days).ShouldBe(new DateTimeOffset(2027, 3, 11, 16, 0, 0, TimeSpan.FromHours(9)));
        jayapura.LocalDate(new DateTimeOffset(2027, 12, 31, 16, 0, 0, TimeSpan.Zero)).ShouldBe(new DateOnly(2028, 1, 1));
    }

    [Fact]
    public void Every_due_instant_counted_in_minutes_falls_within_office_hours_of_a_working_day()
    {
        var calendar = WorkingCalendar.Default(new HashSet<DateOnly> { new(2027, 3, 11) });
        for (var start = Jakarta(2027, 3, 9, 0); start < Jakarta(2027, 3, 16, 0); start = start.AddMinutes(97))
        {
            foreach (var minutes in new[] { 1, 59, 60, 479, 480, 481, 2000 })
            {
                var due = calendar.Add(start, minutes, DurationUnit.Minutes).ToOffset(Wib);
                calendar.IsWorkingDay(DateOnly.FromDateTime(due.DateTime)).ShouldBeTrue($"{start} + {minutes} min = {due}");
                TimeOnly.FromDateTime(due.DateTime).IsBetween(new TimeOnly(8, 0), new TimeOnly(16, 0, 0, 1)).ShouldBeTrue($"{start} + {minutes} min = {due}");
                due.ShouldBeGreaterThan(start);
            }
        }
    }

    [Fact]
    public void Counting_in_two_parts_ends_where_counting_at_once_ends()
    {
        // Chained steps rely on this: a step due when the previous one is due adds up like one longer step.
        var calendar = WorkingCalendar.Default(new HashSet<DateOnly> { new(2027, 3, 11), new(2027, 3, 22) });
        for (var start = Jakarta(2027, 3, 9, 0); start < Jakarta(2027, 3, 16, 0); start = start.AddMinutes(131))
        {
            foreach (var (a, b) in new[] { (1, 1), (30, 450), (480, 480), (479, 2), (1000, 7) })
                calendar.Add(calendar.Add(start, a, DurationUnit.Minutes), b, DurationUnit.Minutes).ShouldBe(calendar.Add(start, a + b, DurationUnit.Minutes), $"{start} + {a} + {b} min");
            foreach (var (a, b) in new[] { (1, 1), (3, 4), (7, 7) })
                calendar.Add(calendar.Add(start, a, DurationUnit.Days), b, DurationUnit.Days).ShouldBe(calendar.Add(start, a + b, DurationUnit.Days), $"{start} + {a} + {b} days");
        }
    }

    [Fact]
    public void Office_hours_that_end_before_they_start_are_refused()
    {
        Should.Throw<ArgumentException>(() => new WorkingCalendar(TimeZoneInfo.Utc, new TimeOnly(16, 0), new TimeOnly(8, 0), new HashSet<DateOnly>()));
    }

    [Fact]
    public void Working_days_before_a_date_skip_weekends_and_holidays()
    {
        var calendar = WorkingCalendar.Default(new HashSet<DateOnly> { new(2029, 12, 25) });
        calendar.WorkingDaysBefore(new DateOnly(2029, 12, 31), 1).ShouldBe(new DateOnly(2029, 12, 28)); // Monday → Friday
        calendar.WorkingDaysBefore(new DateOnly(2029, 12, 27), 2).ShouldBe(new DateOnly(2029, 12, 24)); // skips Christmas
        WorkingCalendar.Default().WorkingDaysBefore(new DateOnly(2029, 12, 31), 30).ShouldBe(new DateOnly(2029, 11, 19)); // six weeks
        calendar.WorkingDaysBefore(new DateOnly(2029, 12, 31), 30).ShouldBe(new DateOnly(2029, 11, 16));
        calendar.WorkingDaysBefore(new DateOnly(2029, 12, 31), 0).ShouldBe(new DateOnly(2029, 12, 31));
    }
}
