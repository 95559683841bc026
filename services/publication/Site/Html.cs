using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Registry;

namespace Ppid.Publication.Site;

/// <summary>
/// A tiny HTML writer: markup is written by the page code as literal strings, and every value
/// goes through <see cref="Text"/> (HTML-encoded). There is no way to write a value unencoded.
/// </summary>
public sealed class Html
{
    private readonly StringBuilder _sb = new();

    public Html Tag(string markup) { _sb.Append(markup); return this; }

    public Html Text(string? value) { _sb.Append(HtmlEncoder.Default.Encode(value ?? "")); return this; }

    /// <summary>An element with encoded text content, e.g. El("td", value).</summary>
    public Html El(string name, string? value, string attributes = "")
    {
        _sb.Append('<').Append(name).Append(attributes.Length > 0 ? " " + attributes : "").Append('>');
        Text(value);
        _sb.Append("</").Append(name).Append('>');
        return this;
    }

    /// <summary>A link: the href and the label are both encoded.</summary>
    public Html Link(string href, string label, string attributes = "")
    {
        _sb.Append("<a href=\"").Append(HtmlEncoder.Default.Encode(href)).Append('"').Append(attributes.Length > 0 ? " " + attributes : "").Append('>');
        Text(label);
        _sb.Append("</a>");
        return this;
    }

    public override string ToString() => _sb.ToString();

    public static string Attr(string value) => HtmlEncoder.Default.Encode(value);

    public static readonly CultureInfo Indonesian = CultureInfo.GetCultureInfo("id-ID");

    public static string Date(DateOnly date) => date.ToString("d MMMM yyyy", Indonesian);

    public static string DateTime(DateTimeOffset instant) => instant.ToUniversalTime().ToString("d MMMM yyyy HH:mm 'UTC'", Indonesian);

    public static string CategoryName(Category category) => category switch
    {
        Category.Berkala => "Berkala",
        Category.SertaMerta => "Serta merta",
        Category.SetiapSaat => "Setiap saat",
        Category.Dikecualikan => "Dikecualikan",
        _ => throw new ArgumentOutOfRangeException(nameof(category)),
    };

    public static string CategorySlug(Category category) => category switch
    {
        Category.Berkala => "berkala",
        Category.SertaMerta => "serta-merta",
        Category.SetiapSaat => "setiap-saat",
        _ => "dikecualikan",
    };

    public static string Forms(IReadOnlyList<AvailableForm> forms) =>
        string.Join("; ", forms.Select(f => $"{(f.Form == InformationForm.Softcopy ? "Softcopy" : "Hardcopy")} ({f.Format})"));
}
