using Ppid.Platform.Http;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ppid.Contracts.Registry;

namespace Ppid.Registry.Items;

/// <summary>An item's details as a client sends them: everything optional, so a missing field is a named validation error rather than bad JSON.</summary>
public sealed record ItemRequest(
    string? Title,
    string? Summary,
    string? HoldingUnit,
    string? ResponsibleOfficial,
    DateOnly? ProductionDate,
    string? ProductionPlace,
    IReadOnlyList<FormRequest>? Forms,
    string? RecordClass,
    string? Kind,
    string? Language,
    IReadOnlyList<string>? Tags,
    IReadOnlyList<DocumentRequest>? Documents = null);

public sealed record FormRequest(string? Form, string? Format, string? Location);

public sealed record DocumentRequest(string? Name, string? MediaType, long? Size, string? Sha256, string? Location);

/// <summary>The tenant's reference data an item may point to.</summary>
public sealed record KnownCodes(IReadOnlySet<string> Units, IReadOnlySet<string> RecordClasses);

/// <summary>
/// Pure validation of item requests against the tenant's reference data and the clock. Runs before
/// the decision; a request with any error changes nothing.
/// </summary>
public static partial class ItemValidation
{
    public const int TitleMax = 300;
    public const int SummaryMax = 4000;
    public const int NameMax = 200;
    public const int FormatMax = 50;
    public const int LocationMax = 1000;
    public const int MaxTags = 30;
    public const int TagMax = 50;
    public const int MaxDocuments = 100;
    public const int ReasonMax = 1000;

    /// <summary>
    /// "Today" for the rule that production is not in the future: the date in Indonesia's easternmost
    /// zone (WIT, UTC+9), so a document produced today anywhere in Indonesia is never refused.
    /// </summary>
    public static DateOnly Today(DateTimeOffset now) => DateOnly.FromDateTime(now.ToOffset(TimeSpan.FromHours(9)).DateTime);

    private static readonly Dictionary<string, DocumentKind> Kinds =
        Enum.GetValues<DocumentKind>().ToDictionary(k => JsonNamingPolicy.KebabCaseLower.ConvertName(k.ToString()), StringComparer.Ordinal);

    private static readonly Dictionary<string, InformationForm> Forms =
        Enum.GetValues<InformationForm>().ToDictionary(k => JsonNamingPolicy.KebabCaseLower.ConvertName(k.ToString()), StringComparer.Ordinal);

    public static string KindName(DocumentKind kind) => JsonNamingPolicy.KebabCaseLower.ConvertName(kind.ToString());

    /// <summary>Validates complete details (register, replace, or a patch already merged onto the current details).</summary>
    public static ItemDetails? Details(ItemRequest r, KnownCodes known, DateTimeOffset now, ValidationErrors errors)
    {
        var title = errors.Required("title", r.Title, TitleMax);
        var summary = errors.Required("summary", r.Summary, SummaryMax);
        var unit = errors.Required("holdingUnit", r.HoldingUnit, NameMax);
        if (unit is not null && !known.Units.Contains(unit)) { errors.Add("holdingUnit", $"Unknown unit '{unit}': define it under /units first."); unit = null; }
        var official = errors.Required("responsibleOfficial", r.ResponsibleOfficial, NameMax);
        if (r.ProductionDate is null) errors.Add("productionDate", "Required.");
        else if (r.ProductionDate.Value > Today(now)) errors.Add("productionDate", "Must not be in the future.");
        var place = errors.Required("productionPlace", r.ProductionPlace, NameMax);

        var forms = new List<AvailableForm>();
        if (r.Forms is null || r.Forms.Count == 0) errors.Add("forms", "At least one form (softcopy or hardcopy) is required.");
        else
        {
            for (var i = 0; i < r.Forms.Count; i++)
            {
                var f = r.Forms[i];
                if (f is null) { errors.Add($"forms[{i}]", "Required."); continue; }
                InformationForm? form = null;
                if (string.IsNullOrWhiteSpace(f.Form)) errors.Add($"forms[{i}].form", "Required.");
                else if (Forms.TryGetValue(f.Form.Trim(), out var parsed)) form = parsed;
                else errors.Add($"forms[{i}].form", "Must be softcopy or hardcopy.");
                var format = errors.Required($"forms[{i}].format", f.Format, FormatMax);
                var location = errors.Required($"forms[{i}].location", f.Location, LocationMax);
                if (form is not null && format is not null && location is not null) forms.Add(new AvailableForm(form.Value, format, location));
            }
        }

        var recordClass = errors.Required("recordClass", r.RecordClass, NameMax);
        if (recordClass is not null && !known.RecordClasses.Contains(recordClass))
        {
            errors.Add("recordClass", $"Unknown record class '{recordClass}' of the retention schedule (JRA): define it under /record-classes first.");
            recordClass = null;
        }

        DocumentKind? kind = null;
        if (string.IsNullOrWhiteSpace(r.Kind)) errors.Add("kind", "Required.");
        else if (Kinds.TryGetValue(r.Kind.Trim(), out var k)) kind = k;
        else errors.Add("kind", $"Must be one of: {string.Join(", ", Kinds.Keys)}.");

        var language = errors.Required("language", r.Language, 35);
        if (language is not null && !LanguageTag().IsMatch(language)) { errors.Add("language", "Must be a BCP 47 language tag such as 'id' or 'en'."); language = null; }

        var tags = new List<string>();
        if (r.Tags is { } given)
        {
            if (given.Count > MaxTags) errors.Add("tags", $"At most {MaxTags} tags.");
            for (var i = 0; i < given.Count; i++)
                if (errors.Required($"tags[{i}]", given[i], TagMax) is { } tag && !tags.Contains(tag, StringComparer.Ordinal)) tags.Add(tag);
        }

        if (errors.Any) return null;
        return new ItemDetails(title!, summary!, unit!, official!, r.ProductionDate!.Value, place!, forms, recordClass!, kind!.Value, language!, tags);
    }

    /// <summary>Validates a document reference; <paramref name="field"/> prefixes the field names (documents[0]).</summary>
    public static DocumentReference? Document(DocumentRequest? d, Guid documentId, string field, ValidationErrors errors)
    {
        if (d is null) { errors.Add(field, "Required."); return null; }
        var prefix = field.Length == 0 ? "" : field + ".";
        var name = errors.Required(prefix + "name", d.Name, 255);
        var mediaType = errors.Required(prefix + "mediaType", d.MediaType, 255);
        if (mediaType is not null && !MediaType().IsMatch(mediaType)) { errors.Add(prefix + "mediaType", "Must be a media type such as application/pdf."); mediaType = null; }
        if (d.Size is null) errors.Add(prefix + "size", "Required.");
        else if (d.Size < 0) errors.Add(prefix + "size", "Must not be negative.");
        var sha = errors.Required(prefix + "sha256", d.Sha256, 64);
        if (sha is not null && !Sha256().IsMatch(sha)) { errors.Add(prefix + "sha256", "Must be 64 hexadecimal digits."); sha = null; }
        var location = errors.Required(prefix + "location", d.Location, LocationMax);
        if (name is null || mediaType is null || d.Size is not >= 0 || sha is null || location is null) return null;
        return new DocumentReference(documentId, name, mediaType, d.Size.Value, sha.ToLowerInvariant(), location);
    }

    public static IReadOnlyList<DocumentReference> Documents(IReadOnlyList<DocumentRequest>? documents, Func<Guid> newId, ValidationErrors errors)
    {
        if (documents is null) return [];
        if (documents.Count > MaxDocuments) errors.Add("documents", $"At most {MaxDocuments} documents.");
        var list = new List<DocumentReference>();
        for (var i = 0; i < documents.Count; i++)
            if (Document(documents[i], newId(), $"documents[{i}]", errors) is { } doc) list.Add(doc);
        return list;
    }

    [GeneratedRegex(@"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")]
    private static partial Regex LanguageTag();

    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+\-]*/[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+\-]*$")]
    private static partial Regex MediaType();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256();
}
