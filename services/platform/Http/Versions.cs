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
        var value = header.ToString().Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        value = value.Trim('"');
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0
            ? (version, null)
            : (null, TypedResults.Problem(title: "Bad If-Match", detail: "If-Match must be an ETag this service gave, e.g. \"3\".",
                statusCode: StatusCodes.Status400BadRequest, type: Problems.TypeBase + "bad-if-match"));
    }

    public static IResult PreconditionRequired() =>
        TypedResults.Problem(title: "If-Match required", detail: "Send If-Match with the ETag of the version your change is based on (GET the item for it).",
            statusCode: StatusCodes.Status428PreconditionRequired, type: Problems.TypeBase + "if-match-required");
}
