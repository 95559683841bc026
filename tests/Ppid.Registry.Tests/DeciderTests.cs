using Ppid.Platform.Http;
using Ppid.Contracts.Registry;
using Ppid.Registry.Documents;
using Ppid.Registry.Items;
using Ppid.Registry.Registering;
using Ppid.Registry.Revising;
using Ppid.Registry.Withdrawing;

namespace Ppid.Registry.Tests;

/// <summary>The deciders and validation are pure: state, command and time in; events or a refusal out. No I/O here.</summary>
public sealed class DeciderTests
{
    private static readonly DateTimeOffset Now = new(2027, 3, 10, 2, 0, 0, TimeSpan.Zero);
    private static readonly Guid ItemId = Guid.Parse("01900000-0000-7000-8000-000000000001");

    private static readonly ItemDetails Details = new("Perda 5/2026", "Ringkasan", "DISKOMINFO", "Kepala Dinas", new DateOnly(2026, 11, 2), "Muara Sabak",
        [new AvailableForm(InformationForm.Softcopy, "PDF", "https://jdih.example/perda.pdf")], "000.1.1", DocumentKind.Regulation, "id", ["perda"]);

    private static readonly DocumentReference Pdf = new(Guid.Parse("01900000-0000-7000-8000-0000000000d1"), "perda.pdf", "application/pdf", 10, new string('a', 64), "s3://x");

    private static InformationItem Given(params object[] events) => events.Aggregate(InformationItem.Initial, InformationItem.Evolve);

    private static InformationItemRegistered Registered() => (InformationItemRegistered)RegisterDecider.Decide(
        InformationItem.Initial, new RegisterInformationItem(ItemId, Details, [Pdf]), Now).Events.Single();

    [Fact]
    public void Registering_a_new_item_records_every_field_and_the_time()
    {
        var e = Registered();
        e.ShouldBe(new InformationItemRegistered(ItemId, "Perda 5/2026", "Ringkasan", "DISKOMINFO", "Kepala Dinas", new DateOnly(2026, 11, 2), "Muara Sabak",
            Details.Forms, "000.1.1", DocumentKind.Regulation, "id", Details.Tags, e.Documents, Now));
        e.Documents.ShouldBe([Pdf]);
    }

    [Fact]
    public void An_item_cannot_be_registered_twice()
    {
        var decision = RegisterDecider.Decide(Given(Registered()), new RegisterInformationItem(ItemId, Details, []), Now);
        decision.Events.ShouldBeEmpty();
        decision.Error!.Code.ShouldBe("item-exists");
    }

    [Fact]
    public void A_revision_records_only_the_changed_fields()
    {
        var later = Now.AddHours(1);
        var decision = ReviseDecider.Decide(Given(Registered()),
            new ReviseInformationItem(ItemId, Details with { Title = "Perda 5/2026 (revisi)", Tags = ["perda", "2026"] }), later);
        decision.Events.Single().ShouldBe(new InformationItemRevised(ItemId, "Perda 5/2026 (revisi)", null, null, null, null, null, null, null, null, null,
            ((InformationItemRevised)decision.Events.Single()).Tags, later));
        ((InformationItemRevised)decision.Events.Single()).Tags.ShouldBe(["perda", "2026"]);
    }

    [Fact]
    public void A_revision_to_equal_details_records_nothing()
    {
        var sameButNewLists = Details with { Forms = [.. Details.Forms], Tags = [.. Details.Tags] };
        var decision = ReviseDecider.Decide(Given(Registered()), new ReviseInformationItem(ItemId, sameButNewLists), Now);
        decision.Refused.ShouldBeFalse();
        decision.Events.ShouldBeEmpty();
    }

    [Fact]
    public void Evolving_a_revision_changes_only_the_fields_it_carries()
    {
        var state = Given(Registered(), new InformationItemRevised(ItemId, null, "Baru", null, null, null, null, null, "900.1", DocumentKind.Report, null, null, Now.AddDays(1)));
        state.Details.ShouldBe(Details with { Summary = "Baru", RecordClass = "900.1", Kind = DocumentKind.Report });
        state.UpdatedAt.ShouldBe(Now.AddDays(1));
    }

    [Fact]
    public void Nothing_but_registration_is_decided_on_an_item_that_does_not_exist()
    {
        var empty = InformationItem.Initial;
        ReviseDecider.Decide(empty, new ReviseInformationItem(ItemId, Details), Now).Error!.Code.ShouldBe("not-registered");
        WithdrawDecider.Decide(empty, new WithdrawInformationItem(ItemId, "x"), Now).Error!.Code.ShouldBe("not-registered");
        WithdrawDecider.Decide(empty, new ReinstateInformationItem(ItemId), Now).Error!.Code.ShouldBe("not-registered");
        DocumentDecider.Decide(empty, new AttachDocument(ItemId, Pdf), Now).Error!.Code.ShouldBe("not-registered");
    }

    [Fact]
    public void Withdrawing_then_reinstating_follows_the_status()
    {
        var active = Given(Registered());
        var withdrawn = WithdrawDecider.Decide(active, new WithdrawInformationItem(ItemId, "Dimusnahkan"), Now);
        withdrawn.Events.ShouldBe([new InformationItemWithdrawn(ItemId, "Dimusnahkan", Now)]);
        WithdrawDecider.Decide(active, new ReinstateInformationItem(ItemId), Now).Error!.Code.ShouldBe("item-not-withdrawn");

        var state = Given(Registered(), withdrawn.Events[0]);
        state.Status.ShouldBe(ItemStatus.Withdrawn);
        state.WithdrawalReason.ShouldBe("Dimusnahkan");
        WithdrawDecider.Decide(state, new WithdrawInformationItem(ItemId, "again"), Now).Error!.Code.ShouldBe("item-withdrawn");
        ReviseDecider.Decide(state, new ReviseInformationItem(ItemId, Details with { Title = "x" }), Now).Error!.Code.ShouldBe("item-withdrawn");
        DocumentDecider.Decide(state, new AttachDocument(ItemId, Pdf with { DocumentId = Guid.NewGuid() }), Now).Error!.Code.ShouldBe("item-withdrawn");

        var reinstated = WithdrawDecider.Decide(state, new ReinstateInformationItem(ItemId), Now.AddDays(2));
        reinstated.Events.ShouldBe([new InformationItemReinstated(ItemId, Now.AddDays(2))]);
        Given(Registered(), withdrawn.Events[0], reinstated.Events[0]).Status.ShouldBe(ItemStatus.Active);
    }

    [Fact]
    public void Documents_are_attached_once_and_detached_only_when_attached()
    {
        var state = Given(Registered());
        var other = Pdf with { DocumentId = Guid.Parse("01900000-0000-7000-8000-0000000000d2"), Name = "lampiran.pdf" };
        DocumentDecider.Decide(state, new AttachDocument(ItemId, Pdf), Now).Error!.Code.ShouldBe("duplicate-document");
        var attached = DocumentDecider.Decide(state, new AttachDocument(ItemId, other), Now);
        attached.Events.ShouldBe([new DocumentAttached(ItemId, other, Now)]);
        state = Given(Registered(), attached.Events[0]);
        state.Documents.Select(d => d.Name).ShouldBe(["perda.pdf", "lampiran.pdf"]);

        var detached = DocumentDecider.Decide(state, new DetachDocument(ItemId, Pdf.DocumentId), Now);
        detached.Events.ShouldBe([new DocumentDetached(ItemId, Pdf.DocumentId, Now)]);
        Given(Registered(), attached.Events[0], detached.Events[0]).Documents.ShouldBe([other]);
        DocumentDecider.Decide(state, new DetachDocument(ItemId, Guid.NewGuid()), Now).Error!.Code.ShouldBe("document-not-attached");
    }

    private static readonly KnownCodes Known = new(new HashSet<string> { "DISKOMINFO" }, new HashSet<string> { "000.1.1" });

    private static ItemRequest Valid(DateOnly? productionDate = null, string unit = "DISKOMINFO", string recordClass = "000.1.1") => new(
        "Perda", "Ringkasan", unit, "Kepala Dinas", productionDate ?? new DateOnly(2026, 11, 2), "Muara Sabak",
        [new FormRequest("softcopy", "PDF", "https://x")], recordClass, "court-decision", "id", ["a", "a", "b"]);

    [Fact]
    public void Valid_details_become_domain_values()
    {
        var errors = new ValidationErrors();
        var details = ItemValidation.Details(Valid(), Known, Now, errors);
        errors.Any.ShouldBeFalse();
        details!.Kind.ShouldBe(DocumentKind.CourtDecision);
        details.Forms.Single().Form.ShouldBe(InformationForm.Softcopy);
        details.Tags.ShouldBe(["a", "b"]);
    }

    [Theory]
    [InlineData("2027-03-10T02:00:00Z", "2027-03-10", true)]
    [InlineData("2027-03-10T02:00:00Z", "2027-03-11", false)]
    [InlineData("2027-03-10T15:00:00Z", "2027-03-11", true)]  // already the 11th in Jayapura (UTC+9)
    [InlineData("2027-03-10T14:59:00Z", "2027-03-11", false)]
    public void The_production_date_may_not_be_after_today_in_indonesia(string now, string produced, bool valid)
    {
        var errors = new ValidationErrors();
        ItemValidation.Details(Valid(DateOnly.Parse(produced)), Known, DateTimeOffset.Parse(now), errors);
        errors.ToDictionary().ContainsKey("productionDate").ShouldBe(!valid);
    }

    [Fact]
    public void Unknown_units_and_record_classes_are_named()
    {
        var errors = new ValidationErrors();
        ItemValidation.Details(Valid(unit: "X", recordClass: "Y"), Known, Now, errors).ShouldBeNull();
        errors.ToDictionary().Keys.ShouldBe(["holdingUnit", "recordClass"], ignoreOrder: true);
    }
}
