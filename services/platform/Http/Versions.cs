using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Ppid.Platform.Http;

/// <summary>ETags are the stream version, quoted: <c>"3"</c>. <c>If-Match</c> carries the version a change is based on.</summary>
public static class Versions
{
    public static string ETag(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>The version of <c>If-Match</c>: null when absent, or an error result (400) when it is not one of our ETags.</summary>
    public static (long? Version, IResult? Error) IfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch;
        if (StringValues.IsNullOrEmpty(header)) return (null, null);
        return ParseVersion(header.ToString()) is { } version
            ? (version, null)
            : (null, BadIfMatch("If-Match must be an ETag this service gave, e.g. \"3\"."));
    }

    /// <summary>
    /// <c>If-Match</c> where the command also accepts <c>*</c> (RFC 9110: any current representation):
    /// null when absent, <see cref="VersionCondition.Any"/> for <c>*</c>, otherwise the version; an
    /// error result (400) when it is neither. With <c>*</c> the change applies to whatever version
    /// exists, and a resource that does not exist still answers 404.
    /// </summary>
    public static (VersionCondition? Condition, IResult? Error) IfMatchOrAny(HttpRequest request)
    {
        var header = request.Headers.IfMatch;
        if (StringValues.IsNullOrEmpty(header)) return (null, null);
        if (header.ToString().Trim() == "*") return (VersionCondition.Any, null);
        return ParseVersion(header.ToString()) is { } version
            ? (new VersionCondition(version), null)
            : (null, BadIfMatch("If-Match must be * or an ETag this service gave, e.g. \"3\"."));
    }

    private static long? ParseVersion(string header)
    {
        var value = header.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        value = value.Trim('"');
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0 ? version : null;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult BadIfMatch(string detail) =>
        TypedResults.Problem(title: "Bad If-Match", detail: detail, statusCode: StatusCodes.Status400BadRequest, type: Problems.TypeBase + "bad-if-match");

    public static IResult PreconditionRequired() =>
        TypedResults.Problem(title: "If-Match required", detail: "Send If-Match with the ETag of the version your change is based on (GET the item for it).",
            statusCode: StatusCodes.Status428PreconditionRequired, type: Problems.TypeBase + "if-match-required");
}

/// <summary>An <c>If-Match</c> precondition: one version, or any existing version (<c>*</c>, <see cref="Version"/> null).</summary>
public readonly record struct VersionCondition(long? Version)
{
    public static readonly VersionCondition Any = new(null);

    public bool IsAny => Version is null;
}
