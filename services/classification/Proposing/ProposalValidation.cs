using Ppid.Classification.Classifications;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Registry;
using Ppid.Platform.Http;

namespace Ppid.Classification.Proposing;

/// <summary>The consequence test as a client sends it: everything optional, so each missing part is a named error.</summary>
public sealed record ConsequenceTestRequest(
    string? ExemptPart,
    bool? WholeDocument,
    string? WholeDocumentReason,
    string? Pasal17Letter,
    string? Pasal17SubPoint,
    string? LegalBasis,
    string? ConsequenceIfOpened,
    string? ConsequenceIfClosed,
    string? PublicInterestBalance,
    string? PublicSummary,
    DateOnly? ExemptUntil,
    string? RedactionNotes);

/// <summary>
/// Pure validation of a proposal (or revision) against the rules of UU 14/2008: the category, the
/// berkala interval (Pasal 9: at least every six months), and for dikecualikan a complete and
/// consistent consequence test (Perki 1/2017 Pasal 4; periods per Pasal 20). Every bad part is named.
/// </summary>
public static class ProposalValidation
{
    public const int TextMax = 4000;
    public const int ShortMax = 500;
    public const int MaxIntervalMonths = 6;

    /// <summary>Pasal 17's letters with the number of sub-points each has in the law (0: none).</summary>
    public static readonly IReadOnlyDictionary<string, int> Pasal17SubPoints = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["a"] = 5, ["b"] = 0, ["c"] = 7, ["d"] = 0, ["e"] = 8, ["f"] = 4, ["g"] = 0, ["h"] = 5, ["i"] = 0, ["j"] = 0,
    };

    /// <summary>Pasal 20: only letters g–j may be exempt without an end date.</summary>
    public static bool MayBeIndefinite(string letter) => letter is "g" or "h" or "i" or "j";

    public static Proposal? Validate(string? category, int? intervalMonths, string? rationale, ConsequenceTestRequest? test, bool? terminationOfInvestigation,
        DateOnly today, ValidationErrors errors)
    {
        Category? parsed = null;
        if (string.IsNullOrWhiteSpace(category)) errors.Add("category", "Required.");
        else if (Wire.TryParse<Category>(category, out var c)) parsed = c;
        else errors.Add("category", $"Must be one of: {Wire.Names<Category>()}.");

        if (parsed == Category.Berkala)
        {
            if (intervalMonths is null) errors.Add("intervalMonths", "Required for berkala: how often it is published, in months.");
            else if (intervalMonths is < 1 or > MaxIntervalMonths) errors.Add("intervalMonths", $"Berkala information is published at least every {MaxIntervalMonths} months (Pasal 9): 1 to {MaxIntervalMonths}.");
        }
        else if (parsed is not null && intervalMonths is not null) errors.Add("intervalMonths", "Only berkala information has a publication interval.");

        var why = errors.Required("rationale", rationale, TextMax);

        ConsequenceTest? consequenceTest = null;
        if (parsed == Category.Dikecualikan)
        {
            if (test is null) errors.Add("consequenceTest", "Required for dikecualikan: exempt information needs a consequence test (Pasal 19).");
            else consequenceTest = ValidateTest(test, today, errors);
        }
        else if (parsed is not null && test is not null) errors.Add("consequenceTest", "Only dikecualikan information has a consequence test.");

        if (errors.Any) return null;
        return new Proposal(parsed!.Value, parsed == Category.Berkala ? intervalMonths : null, why!, consequenceTest, terminationOfInvestigation ?? false);
    }

    private static ConsequenceTest? ValidateTest(ConsequenceTestRequest t, DateOnly today, ValidationErrors errors)
    {
        const string p = "consequenceTest.";
        var whole = t.WholeDocument ?? false;
        string? exemptPart;
        string? wholeReason = null;
        string? redaction = null;
        if (whole)
        {
            wholeReason = string.IsNullOrWhiteSpace(t.WholeDocumentReason)
                ? Missing(errors, p + "wholeDocumentReason", "Required: exempting the whole document needs a reason why no part can be disclosed.")
                : errors.Required(p + "wholeDocumentReason", t.WholeDocumentReason, TextMax);
            exemptPart = string.IsNullOrWhiteSpace(t.ExemptPart) ? "Seluruh dokumen" : errors.Required(p + "exemptPart", t.ExemptPart, TextMax);
            if (!string.IsNullOrWhiteSpace(t.RedactionNotes)) errors.Add(p + "redactionNotes", "Not with wholeDocument: nothing of the document is disclosed, so nothing is redacted.");
        }
        else
        {
            exemptPart = errors.Required(p + "exemptPart", t.ExemptPart, TextMax);
            if (!string.IsNullOrWhiteSpace(t.WholeDocumentReason)) errors.Add(p + "wholeDocumentReason", "Only when wholeDocument is true.");
            redaction = string.IsNullOrWhiteSpace(t.RedactionNotes)
                ? Missing(errors, p + "redactionNotes", "Required: the rest of the document is disclosed, so say what is blacked out and why (or set wholeDocument with a reason).")
                : errors.Required(p + "redactionNotes", t.RedactionNotes, TextMax);
        }

        string? letter = null;
        string? subPoint = null;
        if (string.IsNullOrWhiteSpace(t.Pasal17Letter)) errors.Add(p + "pasal17Letter", "Required: the letter of Pasal 17 (a–j) the exemption rests on.");
        else if (Pasal17SubPoints.ContainsKey(t.Pasal17Letter.Trim().ToLowerInvariant())) letter = t.Pasal17Letter.Trim().ToLowerInvariant();
        else errors.Add(p + "pasal17Letter", "Must be one of the letters a–j of Pasal 17.");
        if (letter is not null)
        {
            var points = Pasal17SubPoints[letter];
            var given = t.Pasal17SubPoint?.Trim();
            if (points == 0)
            {
                if (!string.IsNullOrEmpty(given)) errors.Add(p + "pasal17SubPoint", $"Pasal 17 letter {letter} has no sub-points.");
            }
            else if (string.IsNullOrEmpty(given)) errors.Add(p + "pasal17SubPoint", $"Required: Pasal 17 letter {letter} has sub-points 1 to {points}.");
            else if (!int.TryParse(given, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1 || n > points)
                errors.Add(p + "pasal17SubPoint", $"Pasal 17 letter {letter} has sub-points 1 to {points}.");
            else subPoint = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var basis = errors.Required(p + "legalBasis", t.LegalBasis, ShortMax);
        var ifOpened = errors.Required(p + "consequenceIfOpened", t.ConsequenceIfOpened, TextMax);
        var ifClosed = errors.Required(p + "consequenceIfClosed", t.ConsequenceIfClosed, TextMax);
        var balance = errors.Required(p + "publicInterestBalance", t.PublicInterestBalance, TextMax);
        var summary = errors.Required(p + "publicSummary", t.PublicSummary, ShortMax);

        if (t.ExemptUntil is { } until)
        {
            if (until <= today) errors.Add(p + "exemptUntil", "Must be after today.");
        }
        else if (letter is not null && !MayBeIndefinite(letter))
        {
            errors.Add(p + "exemptUntil", $"Required: an exemption under Pasal 17 letter {letter} is not permanent (Pasal 20); only letters g–j may be indefinite.");
        }

        if (errors.Any) return null;
        return new ConsequenceTest(exemptPart!, whole, wholeReason, letter!, subPoint, basis!, ifOpened!, ifClosed!, balance!, summary!, t.ExemptUntil, redaction);
    }

    private static string? Missing(ValidationErrors errors, string field, string message)
    {
        errors.Add(field, message);
        return null;
    }
}

/// <summary>Pasal 18 UU 14/2008: information that is never exempt, whatever is claimed.</summary>
public static class Pasal18
{
    public static readonly IReadOnlySet<DocumentKind> NeverExemptKinds = new HashSet<DocumentKind>
    {
        DocumentKind.CourtDecision, DocumentKind.Regulation, DocumentKind.Decision, DocumentKind.Circular,
    };

    /// <summary>Why the item cannot be exempt, or null when Pasal 18 does not stand in the way.</summary>
    public static string? Refusal(DocumentKind kind, bool terminationOfInvestigation)
    {
        if (terminationOfInvestigation)
            return "Pasal 18 ayat (1) huruf c UU 14/2008: a termination of investigation or prosecution (SP3) is not exempt information.";
        return kind switch
        {
            DocumentKind.CourtDecision => "Pasal 18 ayat (1) huruf a UU 14/2008: court decisions are not exempt information.",
            DocumentKind.Regulation or DocumentKind.Decision or DocumentKind.Circular =>
                $"Pasal 18 ayat (1) huruf b UU 14/2008: regulations, decisions and circulars (this item is a {Wire.Name(kind)}) are not exempt information.",
            _ => null,
        };
    }
}
