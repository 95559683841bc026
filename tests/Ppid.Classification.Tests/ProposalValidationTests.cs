using Ppid.Classification.Classifications;
using Ppid.Classification.Proposing;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Registry;
using Ppid.Platform.Http;

namespace Ppid.Classification.Tests;

/// <summary>The proposal's rules as pure functions: no I/O.</summary>
public sealed class ProposalValidationTests
{
    private static readonly DateOnly Today = new(2027, 3, 10);

    private static ConsequenceTestRequest Complete() => new(
        ExemptPart: "Lampiran II", WholeDocument: false, WholeDocumentReason: null, Pasal17Letter: "a", Pasal17SubPoint: "2",
        LegalBasis: "UU 14/2008 Pasal 17 huruf a", ConsequenceIfOpened: "Bahaya bagi saksi.", ConsequenceIfClosed: "Identitas tertutup.",
        PublicInterestBalance: "Perlindungan saksi lebih besar.", PublicSummary: "Identitas saksi.", ExemptUntil: new DateOnly(2029, 12, 31),
        RedactionNotes: "Nama saksi dihitamkan.");

    private static (Proposal? Proposal, string[] Fields) Validate(string? category, int? interval = null, ConsequenceTestRequest? test = null, string? rationale = "Alasan.")
    {
        var errors = new ValidationErrors();
        var proposal = ProposalValidation.Validate(category, interval, rationale, test, null, Today, errors);
        return (proposal, errors.ToDictionary().Keys.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void A_complete_consequence_test_makes_an_exempt_proposal()
    {
        var (proposal, fields) = Validate("dikecualikan", test: Complete());
        fields.ShouldBeEmpty();
        proposal!.Category.ShouldBe(Category.Dikecualikan);
        proposal.ConsequenceTest!.Pasal17Letter.ShouldBe("a");
        proposal.ConsequenceTest.Pasal17SubPoint.ShouldBe("2");
        proposal.ConsequenceTest.ExemptUntil.ShouldBe(new DateOnly(2029, 12, 31));
    }

    [Fact]
    public void An_exempt_proposal_without_a_consequence_test_is_refused()
    {
        Validate("dikecualikan").Fields.ShouldBe(["consequenceTest"]);
    }

    [Fact]
    public void Each_missing_part_of_the_consequence_test_is_named()
    {
        var empty = new ConsequenceTestRequest(null, null, null, null, null, null, null, null, null, null, null, null);
        Validate("dikecualikan", test: empty).Fields.ShouldBe([
            "consequenceTest.consequenceIfClosed", "consequenceTest.consequenceIfOpened", "consequenceTest.exemptPart", "consequenceTest.legalBasis",
            "consequenceTest.pasal17Letter", "consequenceTest.publicInterestBalance", "consequenceTest.publicSummary", "consequenceTest.redactionNotes",
        ]);
    }

    [Fact]
    public void The_whole_document_needs_a_reason_and_has_no_redaction_notes()
    {
        Validate("dikecualikan", test: Complete() with { WholeDocument = true }).Fields
            .ShouldBe(["consequenceTest.redactionNotes", "consequenceTest.wholeDocumentReason"]);
        var (proposal, fields) = Validate("dikecualikan", test: Complete() with { WholeDocument = true, ExemptPart = null, RedactionNotes = null, WholeDocumentReason = "Seluruh isi adalah data intelijen." });
        fields.ShouldBeEmpty();
        proposal!.ConsequenceTest!.WholeDocument.ShouldBeTrue();
        proposal.ConsequenceTest.ExemptPart.ShouldBe("Seluruh dokumen");
    }

    [Fact]
    public void A_part_needs_redaction_notes_and_no_whole_document_reason()
    {
        Validate("dikecualikan", test: Complete() with { RedactionNotes = " ", WholeDocumentReason = "Semua." }).Fields
            .ShouldBe(["consequenceTest.redactionNotes", "consequenceTest.wholeDocumentReason"]);
    }

    [Theory]
    [InlineData("k", null, "consequenceTest.pasal17Letter")]
    [InlineData("a", null, "consequenceTest.pasal17SubPoint")]
    [InlineData("a", "6", "consequenceTest.pasal17SubPoint")]
    [InlineData("c", "8", "consequenceTest.pasal17SubPoint")]
    [InlineData("b", "1", "consequenceTest.pasal17SubPoint")]
    public void The_letter_and_sub_point_must_exist_in_Pasal_17(string letter, string? subPoint, string field)
    {
        Validate("dikecualikan", test: Complete() with { Pasal17Letter = letter, Pasal17SubPoint = subPoint }).Fields.ShouldBe([field]);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("b")]
    [InlineData("f")]
    public void Letters_a_to_f_need_an_end_date(string letter)
    {
        var subPoint = ProposalValidation.Pasal17SubPoints[letter] > 0 ? "1" : null;
        Validate("dikecualikan", test: Complete() with { Pasal17Letter = letter, Pasal17SubPoint = subPoint, ExemptUntil = null }).Fields
            .ShouldBe(["consequenceTest.exemptUntil"]);
    }

    [Theory]
    [InlineData("g")]
    [InlineData("i")]
    [InlineData("j")]
    public void Letters_g_to_j_may_be_indefinite(string letter)
    {
        var (proposal, fields) = Validate("dikecualikan", test: Complete() with { Pasal17Letter = letter, Pasal17SubPoint = null, ExemptUntil = null });
        fields.ShouldBeEmpty();
        proposal!.ConsequenceTest!.ExemptUntil.ShouldBeNull();
    }

    [Fact]
    public void The_end_date_must_be_in_the_future()
    {
        Validate("dikecualikan", test: Complete() with { ExemptUntil = Today }).Fields.ShouldBe(["consequenceTest.exemptUntil"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(7)]
    public void Berkala_needs_an_interval_of_one_to_six_months(int? months)
    {
        Validate("berkala", months).Fields.ShouldBe(["intervalMonths"]);
    }

    [Fact]
    public void Only_berkala_has_an_interval_and_only_dikecualikan_a_consequence_test()
    {
        Validate("setiap-saat", 3, Complete()).Fields.ShouldBe(["consequenceTest", "intervalMonths"]);
        Validate("berkala", 6).Proposal!.IntervalMonths.ShouldBe(6);
    }

    [Fact]
    public void An_unknown_category_and_a_missing_rationale_are_named()
    {
        Validate("rahasia", rationale: null).Fields.ShouldBe(["category", "rationale"]);
    }

    [Theory]
    [InlineData(DocumentKind.CourtDecision, false, "huruf a")]
    [InlineData(DocumentKind.Regulation, false, "huruf b")]
    [InlineData(DocumentKind.Decision, false, "huruf b")]
    [InlineData(DocumentKind.Circular, false, "huruf b")]
    [InlineData(DocumentKind.Report, true, "huruf c")]
    public void Pasal_18_refuses_exemption_of_what_is_never_exempt(DocumentKind kind, bool termination, string letter)
    {
        var refusal = Pasal18.Refusal(kind, termination);
        refusal.ShouldNotBeNull();
        refusal.ShouldContain("Pasal 18");
        refusal.ShouldContain(letter);
    }

    [Fact]
    public void Pasal_18_leaves_other_kinds_alone()
    {
        Pasal18.Refusal(DocumentKind.Report, false).ShouldBeNull();
        Pasal18.Refusal(DocumentKind.Correspondence, false).ShouldBeNull();
    }
}
