using Ppid.Contracts.Registry;
using Ppid.Platform.Http;
using Ppid.Registry.Cycles;
using Ppid.Registry.Cycles.Closing;
using Ppid.Registry.Cycles.Opening;
using Ppid.Registry.Cycles.Submitting;
using Ppid.Registry.Cycles.Verifying;

namespace Ppid.Registry.Tests;

/// <summary>The cycle's deciders and evolve, without I/O: given events, when a command, then events or a refusal.</summary>
public sealed class CyclesDeciderTests
{
    private static readonly DateTimeOffset Now = new(2027, 3, 10, 2, 0, 0, TimeSpan.Zero);
    private static readonly Guid CycleId = Guid.CreateVersion7();
    private static readonly Guid ItemA = Guid.CreateVersion7();
    private static readonly Guid ItemB = Guid.CreateVersion7();

    private static readonly IReadOnlyList<CycleStep> Steps =
    [
        new("collect", "Pengumpulan", Now.AddDays(9)),
        new("verify", "Verifikasi", Now.AddDays(12)),
        new("ratify", "Penetapan", Now.AddDays(30)),
    ];

    private static Cycle Given(params object[] events) => events.Aggregate(Cycle.Initial, Cycle.Evolve);

    private static UpdateCycleOpened Opened() => new(CycleId, "DIP 2027", 2027, Steps, Now);

    private static ItemsSubmitted Submitted(string receipt, params (Guid Id, long Version)[] items) =>
        new(CycleId, Guid.CreateVersion7(), receipt, "DISKOMINFO", [.. items.Select(i => new SubmittedItem(i.Id, i.Version, "DISKOMINFO"))], Now, Now.AddHours(1));

    private static SubmitItems Submit(params (Guid Id, long Version)[] items) =>
        new(CycleId, Guid.CreateVersion7(), "DISKOMINFO", [.. items.Select(i => new SubmittedItem(i.Id, i.Version, "DISKOMINFO"))], Now.AddHours(1));

    private static void ShouldRefuse(Decision decision, string code)
    {
        decision.Error.ShouldNotBeNull();
        decision.Error.Code.ShouldBe(code);
        decision.Events.ShouldBeEmpty();
    }

    [Fact]
    public void Opening_a_new_cycle_records_its_period_and_steps()
    {
        var decision = OpenDecider.Decide(Cycle.Initial, new OpenUpdateCycle(CycleId, "DIP 2027", 2027, Steps), periodTaken: false, Now);
        decision.Events.ShouldHaveSingleItem().ShouldBe(Opened());
    }

    [Fact]
    public void Opening_a_period_the_tenant_already_has_is_refused()
    {
        ShouldRefuse(OpenDecider.Decide(Cycle.Initial, new OpenUpdateCycle(CycleId, "DIP 2027", 2027, Steps), periodTaken: true, Now), "period-exists");
    }

    [Fact]
    public void Submitting_into_an_open_cycle_records_the_receipt_and_item_versions()
    {
        var command = Submit((ItemA, 1), (ItemB, 3));
        var decision = SubmitDecider.Decide(Given(Opened()), command, "TT/2027/0001", Now);
        var e = decision.Events.ShouldHaveSingleItem().ShouldBeOfType<ItemsSubmitted>();
        e.ReceiptNumber.ShouldBe("TT/2027/0001");
        e.SubmissionId.ShouldBe(command.SubmissionId);
        e.Items.Select(i => (i.ItemId, i.ItemVersion)).ShouldBe([(ItemA, 1L), (ItemB, 3L)]);
    }

    [Fact]
    public void Receipt_numbers_have_the_year_and_four_digits_at_least()
    {
        SubmitDecider.ReceiptNumber(2027, 1).ShouldBe("TT/2027/0001");
        SubmitDecider.ReceiptNumber(2027, 12345).ShouldBe("TT/2027/12345");
    }

    [Fact]
    public void Submitting_an_item_awaiting_verification_or_accepted_is_refused()
    {
        ShouldRefuse(SubmitDecider.Decide(Given(Opened(), Submitted("TT/2027/0001", (ItemA, 1))), Submit((ItemA, 1)), "TT/2027/0002", Now),
            "item-awaiting-verification");
        ShouldRefuse(SubmitDecider.Decide(Given(Opened(), Submitted("TT/2027/0001", (ItemA, 1)), new SubmittedItemAccepted(CycleId, ItemA, 1, null, Now)),
            Submit((ItemA, 1)), "TT/2027/0002", Now), "item-accepted");
    }

    [Fact]
    public void Submitting_into_a_closed_cycle_is_refused()
    {
        ShouldRefuse(SubmitDecider.Decide(Given(Opened(), new CollectionClosed(CycleId, "DIP 2027", [], Now)), Submit((ItemA, 1)), "TT/2027/0001", Now),
            "cycle-closed");
    }

    [Fact]
    public void A_returned_item_can_be_submitted_again_and_each_round_is_kept()
    {
        var state = Given(Opened(), Submitted("TT/2027/0001", (ItemA, 1)), new SubmittedItemReturned(CycleId, ItemA, 1, "Ringkasan kurang lengkap", Now));
        var decision = SubmitDecider.Decide(state, Submit((ItemA, 2)), "TT/2027/0002", Now);
        decision.Refused.ShouldBeFalse();
        state = decision.Events.Aggregate(state, Cycle.Evolve);
        state = Cycle.Evolve(state, new SubmittedItemAccepted(CycleId, ItemA, 2, null, Now.AddHours(1)));

        var item = state.Item(ItemA).ShouldNotBeNull();
        item.Status.ShouldBe(CycleItemStatus.Accepted);
        item.Rounds.Select(r => (r.Round, r.ReceiptNumber, r.SubmittedVersion, r.Outcome, r.Notes)).ShouldBe([
            (1, "TT/2027/0001", 1L, (CycleItemStatus?)CycleItemStatus.Returned, (string?)"Ringkasan kurang lengkap"),
            (2, "TT/2027/0002", 2L, CycleItemStatus.Accepted, null),
        ]);
        state.Submissions.Select(s => s.ReceiptNumber).ShouldBe(["TT/2027/0001", "TT/2027/0002"]);
    }

    [Fact]
    public void Verifying_accepts_or_returns_the_version_that_was_submitted()
    {
        var state = Given(Opened(), Submitted("TT/2027/0001", (ItemA, 4)));
        VerifyDecider.Decide(state, new VerifySubmittedItem(CycleId, ItemA, true, null), true, Now).Events.ShouldHaveSingleItem()
            .ShouldBe(new SubmittedItemAccepted(CycleId, ItemA, 4, null, Now));
        VerifyDecider.Decide(state, new VerifySubmittedItem(CycleId, ItemA, false, "Lampiran tidak ada"), true, Now).Events.ShouldHaveSingleItem()
            .ShouldBe(new SubmittedItemReturned(CycleId, ItemA, 4, "Lampiran tidak ada", Now));
    }

    [Fact]
    public void Verifying_out_of_order_is_refused()
    {
        var opened = Given(Opened());
        ShouldRefuse(VerifyDecider.Decide(opened, new VerifySubmittedItem(CycleId, ItemA, true, null), true, Now), "item-not-submitted");
        var accepted = Given(Opened(), Submitted("TT/2027/0001", (ItemA, 1)), new SubmittedItemAccepted(CycleId, ItemA, 1, null, Now));
        ShouldRefuse(VerifyDecider.Decide(accepted, new VerifySubmittedItem(CycleId, ItemA, false, "x"), true, Now), "item-not-awaiting-verification");
        var returned = Given(Opened(), Submitted("TT/2027/0001", (ItemA, 1)), new SubmittedItemReturned(CycleId, ItemA, 1, "x", Now));
        ShouldRefuse(VerifyDecider.Decide(returned, new VerifySubmittedItem(CycleId, ItemA, true, null), true, Now), "item-not-awaiting-verification");
    }

    [Fact]
    public void An_item_withdrawn_since_its_submission_cannot_be_accepted_but_can_be_returned()
    {
        var state = Given(Opened(), Submitted("TT/2027/0001", (ItemA, 1)));
        ShouldRefuse(VerifyDecider.Decide(state, new VerifySubmittedItem(CycleId, ItemA, true, null), itemActive: false, Now), "item-withdrawn");
        VerifyDecider.Decide(state, new VerifySubmittedItem(CycleId, ItemA, false, "Ditarik"), itemActive: false, Now).Refused.ShouldBeFalse();
    }

    [Fact]
    public void Returning_without_notes_is_refused()
    {
        ShouldRefuse(VerifyDecider.Decide(Given(Opened(), Submitted("TT/2027/0001", (ItemA, 1))), new VerifySubmittedItem(CycleId, ItemA, false, " "), true, Now),
            "notes-required");
    }

    [Fact]
    public void Closing_hands_over_the_accepted_items_at_their_verified_versions_and_leaves_returned_ones_out()
    {
        var state = Given(Opened(), Submitted("TT/2027/0001", (ItemA, 2), (ItemB, 1)),
            new SubmittedItemAccepted(CycleId, ItemA, 2, null, Now), new SubmittedItemReturned(CycleId, ItemB, 1, "Salah unit", Now));
        var closed = CloseDecider.Decide(state, new CloseCollection(CycleId), Now).Events.ShouldHaveSingleItem().ShouldBeOfType<CollectionClosed>();
        closed.Period.ShouldBe("DIP 2027");
        closed.AcceptedItems.ShouldBe([new AcceptedItem(ItemA, 2, "DISKOMINFO")]);
        Cycle.Evolve(state, closed).Status.ShouldBe(CycleStatus.Closed);
    }

    [Fact]
    public void Closing_while_items_await_verification_or_twice_is_refused()
    {
        ShouldRefuse(CloseDecider.Decide(Given(Opened(), Submitted("TT/2027/0001", (ItemA, 1))), new CloseCollection(CycleId), Now), "verification-pending");
        ShouldRefuse(CloseDecider.Decide(Given(Opened(), new CollectionClosed(CycleId, "DIP 2027", [], Now)), new CloseCollection(CycleId), Now), "cycle-closed");
    }

    [Fact]
    public void An_item_awaiting_verification_past_its_verification_due_instant_is_overdue_until_verified()
    {
        var submitted = Given(Opened(), Submitted("TT/2027/0001", (ItemA, 1), (ItemB, 1)), new SubmittedItemAccepted(CycleId, ItemA, 1, null, Now));
        CycleQueries.OverdueVerifications(submitted, Now.AddMinutes(59)).ShouldBeEmpty();
        var overdue = CycleQueries.OverdueVerifications(submitted, Now.AddHours(2)).ShouldHaveSingleItem();
        overdue.ItemId.ShouldBe(ItemB);
        overdue.VerifyDueAt.ShouldBe(Now.AddHours(1));
        CycleQueries.OverdueVerifications(Cycle.Evolve(submitted, new SubmittedItemReturned(CycleId, ItemB, 1, "x", Now)), Now.AddHours(2)).ShouldBeEmpty();
    }

    [Fact]
    public void Registry_steps_are_overdue_after_their_due_instant_until_collection_closes_and_other_services_steps_are_not_judged()
    {
        var open = Given(Opened());
        var before = CycleQueries.StepViews(open, Now.AddDays(1));
        CycleQueries.OverdueSteps(before).ShouldBeEmpty();

        var late = CycleQueries.StepViews(open, Now.AddDays(31));
        CycleQueries.OverdueSteps(late).ShouldBe(["collect", "verify"]);
        late.Single(s => s.Code == "ratify").ShouldSatisfyAllConditions(s => s.TrackedHere.ShouldBeFalse(), s => s.Overdue.ShouldBeNull());

        var closedLate = Cycle.Evolve(open, new CollectionClosed(CycleId, "DIP 2027", [], Now.AddDays(10)));
        var afterClose = CycleQueries.StepViews(closedLate, Now.AddDays(31));
        CycleQueries.OverdueSteps(afterClose).ShouldBeEmpty();
        afterClose.Single(s => s.Code == "collect").CompletedLate.ShouldBe(true);
        afterClose.Single(s => s.Code == "verify").CompletedLate.ShouldBe(false);
    }
}
