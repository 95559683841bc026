using Ppid.Classification.Classifications;
using Ppid.Classification.Consulting;
using Ppid.Classification.Coordinating;
using Ppid.Classification.Determining;
using Ppid.Classification.KnownItems;
using Ppid.Classification.Opening;
using Ppid.Classification.Proposing;
using Ppid.Classification.Ratifying;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Registry;
using Ppid.Platform.Http;

namespace Ppid.Classification.Tests;

/// <summary>The workflow's order rules as pure deciders: given events, when a command, then events or a refusal.</summary>
public sealed class WorkflowDeciderTests
{
    private static readonly DateTimeOffset Now = new(2027, 3, 10, 2, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.CreateVersion7();
    private static readonly Guid Item = Guid.CreateVersion7();
    private static readonly Decree Decree = new("188.4/012/PPID/2027", new DateOnly(2027, 3, 10), "Muara Sabak", "ppid-1", "Drs. Ahmad Fauzi");
    private static readonly KnownItem Report = new(Item, "Laporan", DocumentKind.Report, false);

    private static readonly ConsequenceTest Test = new("Lampiran II", false, null, "a", "2", "UU 14/2008", "Bahaya.", "Tertutup.", "Lebih besar.", "Identitas saksi.",
        new DateOnly(2029, 12, 31), "Nama dihitamkan.");

    private static ClassificationState Given(params object[] events) => events.Aggregate(ClassificationState.Initial, ClassificationState.Evolve);

    private static ClassificationProposed Proposed(Category category = Category.Dikecualikan, string by = "petugas-1") =>
        new(Id, Item, category, null, "Alasan.", category == Category.Dikecualikan ? Test : null, false, null, null, by, Now);

    private static ProposalCommented Comment(string role, bool correction = false) => new(Id, Item, "Catatan.", correction, role + "-1", role, Now);

    private static CoordinationMeetingRecorded MeetingHeld(MeetingOutcome outcome = MeetingOutcome.Agreed) =>
        new(Id, Item, new DateOnly(2027, 3, 9), ["PPID"], "Notulen 5", outcome, null, "ppid-1", Now);

    private static RecordMeeting Meeting(MeetingOutcome outcome = MeetingOutcome.Agreed) => new(new DateOnly(2027, 3, 9), ["PPID"], "Notulen 5", outcome, null, "ppid-1");

    private static void ShouldBeRefused(Decision decision, string code)
    {
        decision.Refused.ShouldBeTrue();
        decision.Error!.Code.ShouldBe(code);
        decision.Events.ShouldBeEmpty();
    }

    [Fact]
    public void The_meeting_needs_comments_from_both_the_ppid_and_the_team()
    {
        var onlyPpid = Given(Proposed(), Comment(Roles.Ppid));
        var refused = MeetingDecider.Decide(onlyPpid, Meeting(), Now);
        ShouldBeRefused(refused, "wrong-order");
        refused.Error!.Message.ShouldContain(Roles.TimPelayanan);

        var both = Given(Proposed(), Comment(Roles.Ppid), Comment(Roles.TimPelayanan));
        MeetingDecider.Decide(both, Meeting(), Now).Events.Single().ShouldBeOfType<CoordinationMeetingRecorded>();
    }

    [Fact]
    public void A_correction_request_blocks_the_meeting_until_a_revision_and_a_new_round()
    {
        var corrected = Given(Proposed(), Comment(Roles.Ppid, correction: true), Comment(Roles.TimPelayanan));
        corrected.Status.ShouldBe(ClassificationStatus.CorrectionRequested);
        ShouldBeRefused(MeetingDecider.Decide(corrected, Meeting(), Now), "wrong-order");

        var revised = Given(Proposed(), Comment(Roles.Ppid, correction: true), Comment(Roles.TimPelayanan),
            new ProposalRevised(Id, Item, Category.Dikecualikan, null, "Diperbaiki.", Test, false, "petugas-2", Now));
        revised.Status.ShouldBe(ClassificationStatus.InConsultation);
        revised.Round.ShouldBe(2);
        ShouldBeRefused(MeetingDecider.Decide(revised, Meeting(), Now), "wrong-order"); // the new round needs both comments again

        var again = Given(Proposed(), Comment(Roles.Ppid, correction: true), Comment(Roles.TimPelayanan),
            new ProposalRevised(Id, Item, Category.Dikecualikan, null, "Diperbaiki.", Test, false, "petugas-2", Now), Comment(Roles.Ppid), Comment(Roles.TimPelayanan));
        MeetingDecider.Decide(again, Meeting(), Now).Refused.ShouldBeFalse();
    }

    [Fact]
    public void A_returned_meeting_sends_the_proposal_back_for_correction()
    {
        var returned = Given(Proposed(), Comment(Roles.Ppid), Comment(Roles.TimPelayanan), MeetingHeld(MeetingOutcome.Returned));
        returned.Status.ShouldBe(ClassificationStatus.CorrectionRequested);
        ShouldBeRefused(DetermineDecider.Decide(returned, new Determine(Decree), Report, Now), "wrong-order");
        ConsultationDecider.Decide(returned, new ReviseProposal(new Proposal(Category.SetiapSaat, null, "Dibuka.", null, false), "petugas-1"), Report, Now)
            .Events.Single().ShouldBeOfType<ProposalRevised>();
    }

    [Fact]
    public void Determination_comes_only_after_the_meeting_agreed()
    {
        ShouldBeRefused(DetermineDecider.Decide(Given(Proposed()), new Determine(Decree), Report, Now), "wrong-order");
        var agreed = Given(Proposed(), Comment(Roles.Ppid), Comment(Roles.TimPelayanan), MeetingHeld());
        DetermineDecider.Decide(agreed, new Determine(Decree), Report, Now).Events.Single().ShouldBeOfType<ClassificationDetermined>();
    }

    [Fact]
    public void Ratification_comes_only_after_determination_and_not_by_the_proposer()
    {
        var agreed = Given(Proposed(), Comment(Roles.Ppid), Comment(Roles.TimPelayanan), MeetingHeld());
        ShouldBeRefused(RatifyDecider.Decide(agreed, new Ratify("atasan-1"), Report, Now), "wrong-order");

        var determined = Given(Proposed(), Comment(Roles.Ppid), Comment(Roles.TimPelayanan), MeetingHeld(), new ClassificationDetermined(Id, Item, Decree, Now));
        ShouldBeRefused(RatifyDecider.Decide(determined, new Ratify("petugas-1"), Report, Now), ClassificationCommands.ProposerCannotRatifyCode);

        var ratified = RatifyDecider.Decide(determined, new Ratify("atasan-1"), Report, Now).Events.Single().ShouldBeOfType<ClassificationRatified>();
        ratified.Category.ShouldBe(Category.Dikecualikan);
        ratified.ConsequenceTest.ShouldBe(Test);
        ratified.Decree.ShouldBe(Decree);
        ratified.RatifiedBy.ShouldBe("atasan-1");
    }

    [Fact]
    public void An_item_withdrawn_or_turned_into_a_never_exempt_kind_meanwhile_is_not_determined_nor_ratified()
    {
        var agreed = Given(Proposed(), Comment(Roles.Ppid), Comment(Roles.TimPelayanan), MeetingHeld());
        ShouldBeRefused(DetermineDecider.Decide(agreed, new Determine(Decree), Report with { Withdrawn = true }, Now), "item-withdrawn");
        ShouldBeRefused(DetermineDecider.Decide(agreed, new Determine(Decree), Report with { Kind = DocumentKind.Circular }, Now), ClassificationCommands.Pasal18Code);
        var determined = ClassificationState.Evolve(agreed, new ClassificationDetermined(Id, Item, Decree, Now));
        ShouldBeRefused(RatifyDecider.Decide(determined, new Ratify("atasan-1"), Report with { Kind = DocumentKind.CourtDecision }, Now), ClassificationCommands.Pasal18Code);
        ShouldBeRefused(RatifyDecider.Decide(determined, new Ratify("atasan-1"), Report with { Withdrawn = true }, Now), "item-withdrawn");
    }

    [Fact]
    public void Whoever_revised_the_proposal_cannot_ratify_either()
    {
        var determined = Given(Proposed(), Comment(Roles.Ppid, true), new ProposalRevised(Id, Item, Category.Dikecualikan, null, "Diperbaiki.", Test, false, "petugas-2", Now),
            Comment(Roles.Ppid), Comment(Roles.TimPelayanan), MeetingHeld(), new ClassificationDetermined(Id, Item, Decree, Now));
        ShouldBeRefused(RatifyDecider.Decide(determined, new Ratify("petugas-2"), Report, Now), ClassificationCommands.ProposerCannotRatifyCode);
    }

    [Fact]
    public void After_the_meeting_nobody_comments_or_revises()
    {
        var agreed = Given(Proposed(), Comment(Roles.Ppid), Comment(Roles.TimPelayanan), MeetingHeld());
        ShouldBeRefused(ConsultationDecider.Decide(agreed, new CommentOnProposal("Lagi.", false, "ppid-1", Roles.Ppid), Now), "wrong-order");
        ShouldBeRefused(ConsultationDecider.Decide(agreed, new ReviseProposal(new Proposal(Category.SetiapSaat, null, "x", null, false), "petugas-1"), Report, Now), "wrong-order");
    }

    [Fact]
    public void A_revision_to_exempt_a_never_exempt_kind_cites_Pasal_18()
    {
        var proposed = Given(Proposed(Category.SetiapSaat));
        var regulation = Report with { Kind = DocumentKind.Regulation };
        ShouldBeRefused(ConsultationDecider.Decide(proposed, new ReviseProposal(new Proposal(Category.Dikecualikan, null, "x", Test, false), "petugas-1"), regulation, Now),
            ClassificationCommands.Pasal18Code);
    }

    [Fact]
    public void Only_a_ratified_current_exemption_opens()
    {
        var open = new OpenExemptItem(OpeningReason.CommissionDecision, "Putusan KI No. 12/2027", Category.SetiapSaat);
        var determined = Given(Proposed(), Comment(Roles.Ppid), Comment(Roles.TimPelayanan), MeetingHeld(), new ClassificationDetermined(Id, Item, Decree, Now));
        ShouldBeRefused(OpenDecider.Decide(determined, false, open, Now), "wrong-order");
        var ratified = Given(Proposed(), Comment(Roles.Ppid), Comment(Roles.TimPelayanan), MeetingHeld(), new ClassificationDetermined(Id, Item, Decree, Now),
            new ClassificationRatified(Id, Item, Category.Dikecualikan, null, "Alasan.", Test, Decree, null, "atasan-1", Now));
        ShouldBeRefused(OpenDecider.Decide(ratified, true, open, Now), "wrong-order");
        var opened = OpenDecider.Decide(ratified, false, open, Now).Events.Single().ShouldBeOfType<ExemptItemOpened>();
        opened.OpenedAs.ShouldBe(Category.SetiapSaat);
        opened.Reference.ShouldBe("Putusan KI No. 12/2027");
        ShouldBeRefused(OpenDecider.Decide(ClassificationState.Evolve(ratified, opened), false, open, Now), "wrong-order");
    }

    [Fact]
    public void Open_information_has_nothing_to_open()
    {
        var ratified = Given(Proposed(Category.Berkala), Comment(Roles.Ppid), Comment(Roles.TimPelayanan), MeetingHeld(), new ClassificationDetermined(Id, Item, Decree, Now),
            new ClassificationRatified(Id, Item, Category.Berkala, 6, "Alasan.", null, Decree, null, "atasan-1", Now));
        ShouldBeRefused(OpenDecider.Decide(ratified, false, new OpenExemptItem(OpeningReason.CourtDecision, "Putusan PTUN", Category.SetiapSaat), Now), "not-exempt");
    }

    [Fact]
    public void A_proposal_is_refused_while_another_is_in_progress_and_a_reclassification_must_supersede_the_current_one()
    {
        var command = new ProposeClassification(Guid.CreateVersion7(), Item, new Proposal(Category.SetiapSaat, null, "x", null, false), null, null, "petugas-1");
        var current = Guid.CreateVersion7();
        ShouldBeRefused(ProposeDecider.Decide(Report, [new(current, "agreed")], command, Now), "classification-in-progress");
        ShouldBeRefused(ProposeDecider.Decide(Report, [new(current, "ratified")], command, Now), "already-classified");
        ShouldBeRefused(ProposeDecider.Decide(Report, [new(current, "ratified")], command with { Supersedes = Guid.CreateVersion7(), Trigger = ReclassificationTrigger.Request }, Now), "not-current");
        var re = ProposeDecider.Decide(Report, [new(Guid.CreateVersion7(), ClassificationsProjection.Superseded), new(current, "ratified")],
            command with { Supersedes = current, Trigger = ReclassificationTrigger.Monitoring }, Now);
        var proposed = re.Events.Single().ShouldBeOfType<ClassificationProposed>();
        proposed.Supersedes.ShouldBe(current);
        proposed.Trigger.ShouldBe(ReclassificationTrigger.Monitoring);
    }
}
