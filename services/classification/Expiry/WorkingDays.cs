namespace Ppid.Classification.Expiry;

/// <summary>
/// Working days for exemption deadlines: Monday to Friday, minus configured holidays. Kept small on
/// purpose: the registry builds the suite's working-day calendar (per tenant, with its SOP profile);
/// the lead will unify the two.
/// </summary>
public sealed class WorkingDayCalendar(IEnumerable<DateOnly> holidays)
{
    private readonly HashSet<DateOnly> _holidays = [.. holidays];

    public bool IsWorkingDay(DateOnly date) => date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !_holidays.Contains(date);

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
}
