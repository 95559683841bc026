using Ppid.Platform.Calendar;
using Ppid.Registry.Cycles.TimeStandards;

namespace Ppid.Registry.Tests;

/// <summary>The registry's SOP schedule counted on the platform's working-day calendar (Asia/Jakarta, 08:00–16:00).</summary>
public sealed class SopScheduleTests
{
    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    private static DateTimeOffset Jakarta(int year, int month, int day, int hour, int minute = 0) => new(year, month, day, hour, minute, 0, Wib);

    private static readonly WorkingCalendar Calendar = WorkingCalendar.Default();

    [Fact]
    public void The_default_sop_profile_chains_each_step_from_the_previous_steps_due_instant()
    {
        var steps = SopProfile.Schedule(SopProfile.Default, Calendar, Jakarta(2027, 3, 10, 9));
        steps.Select(s => s.Code).ShouldBe(["collect", "receive", "verify", "classify", "meeting", "ratify", "publish", "archive"]);
        steps.Select(s => s.DueAt).ShouldBe([
            Jakarta(2027, 3, 19, 16), // collect: 7 days
            Jakarta(2027, 3, 22, 16), // receive: 1 day
            Jakarta(2027, 3, 23, 9),  // verify: 1 hour, from Monday's close
            Jakarta(2027, 3, 23, 10), // classify: 1 hour
            Jakarta(2027, 4, 1, 16),  // meeting: 7 days
            Jakarta(2027, 4, 12, 16), // ratify: 7 days
            Jakarta(2027, 4, 13, 16), // publish: 1 day
            Jakarta(2027, 4, 14, 16), // archive: 1 day
        ]);
    }
}
