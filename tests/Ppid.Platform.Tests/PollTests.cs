using Ppid.Demo;
using Ppid.Testing;

namespace Ppid.Platform.Tests;

/// <summary>The test helper that waits across processes: it gives up by its clock, and reports success as soon as the condition holds.</summary>
public sealed class PollTests
{
    /// <summary>A clock that moves ten seconds every time it is read.</summary>
    private sealed class JumpingClock : TimeProvider
    {
        private long _now;
        public override long TimestampFrequency => 1;
        public override long GetTimestamp() => _now += 10;
    }

    [Fact]
    public async Task It_gives_up_when_its_clock_says_the_timeout_passed_not_when_the_wall_clock_does()
    {
        var checks = 0;
        var held = await Poll.UntilAsync(() => Task.FromResult(++checks > 1000), TimeSpan.FromSeconds(25), TimeSpan.FromMilliseconds(1), new JumpingClock());

        held.ShouldBeFalse();
        checks.ShouldBe(3, "after the checks 10 s and 20 s have passed (within 25 s), after the third 30 s: three checks");
    }

    [Fact]
    public async Task It_answers_true_as_soon_as_the_condition_holds()
    {
        var checks = 0;
        (await Poll.UntilAsync(() => Task.FromResult(++checks == 2), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1))).ShouldBeTrue();
        checks.ShouldBe(2);
    }

    [Fact]
    public async Task The_shared_clients_wait_gives_up_by_the_same_loop_naming_what_it_waited_for_and_the_last_answer()
    {
        var answers = 0;
        var timeout = await Should.ThrowAsync<TimeoutException>(() =>
            PpidApi.EventuallyAsync("the public page", () => Task.FromResult($"404 #{++answers}"), a => a.StartsWith("200"), TimeSpan.FromSeconds(25), new JumpingClock()));

        answers.ShouldBe(3);
        timeout.Message.ShouldContain("the public page");
        timeout.Message.ShouldContain("last: 404 #3");
    }
}
