using Ppid.Gateway.Forwarding;

namespace Ppid.Gateway.Tests;

/// <summary>How long a pool with no available instance tells callers to wait (the 503's Retry-After), without I/O.</summary>
public sealed class ServicePoolTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private static ServiceInstance Instance(int port) => new("registry", new Uri($"http://127.0.0.1:{port}"));

    [Fact]
    public void An_instance_failing_its_probe_can_be_back_at_its_next_probe()
    {
        var instance = Instance(1);
        instance.Probed(false, Now.AddSeconds(-1));

        new ServicePool("registry", [instance]).UnavailableFor(Now, Interval).ShouldBe(TimeSpan.FromSeconds(4));
    }

    [Fact]
    public void An_instance_that_refused_a_connection_can_be_back_when_its_mark_ends_or_a_probe_passes_whichever_is_sooner()
    {
        var (shortMark, longMark) = (Instance(1), Instance(2));
        shortMark.Probed(true, Now.AddSeconds(-1));
        shortMark.MarkDown(Now.AddSeconds(2));
        longMark.Probed(true, Now.AddSeconds(-1));
        longMark.MarkDown(Now.AddSeconds(30));

        new ServicePool("registry", [shortMark]).UnavailableFor(Now, Interval).ShouldBe(TimeSpan.FromSeconds(2));
        new ServicePool("registry", [longMark]).UnavailableFor(Now, Interval).ShouldBe(TimeSpan.FromSeconds(4));
    }

    [Fact]
    public void The_earliest_instance_decides_and_an_overdue_probe_means_now()
    {
        var (late, overdue) = (Instance(1), Instance(2));
        late.Probed(false, Now);
        overdue.Probed(false, Now.AddSeconds(-60));

        new ServicePool("registry", [late]).UnavailableFor(Now, Interval).ShouldBe(Interval);
        new ServicePool("registry", [late, overdue]).UnavailableFor(Now, Interval).ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void A_probe_without_an_answer_in_time_takes_an_instance_out_only_when_it_happens_twice_in_a_row()
    {
        var instance = Instance(1);
        instance.ProbeTimedOut(Now, timeoutsToLeave: 2);
        instance.IsAvailable(Now).ShouldBeTrue("one slow answer is no verdict");
        instance.Probed(true, Now.AddSeconds(5));
        instance.ProbeTimedOut(Now.AddSeconds(10), timeoutsToLeave: 2);
        instance.IsAvailable(Now.AddSeconds(10)).ShouldBeTrue("a passing probe in between starts the count again");
        instance.ProbeTimedOut(Now.AddSeconds(15), timeoutsToLeave: 2);
        instance.IsAvailable(Now.AddSeconds(15)).ShouldBeFalse("two in a row take it out");
        instance.Probed(true, Now.AddSeconds(20));
        instance.IsAvailable(Now.AddSeconds(20)).ShouldBeTrue();
    }

    [Fact]
    public void A_probe_answered_with_not_serving_takes_an_instance_out_at_once()
    {
        var instance = Instance(1);
        instance.Probed(false, Now);
        instance.IsAvailable(Now).ShouldBeFalse();
    }
}
