using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Ppid.Platform.EventSourcing;

namespace Ppid.Platform.Http;

/// <summary>
/// Who is calling, for whom. Until the gateway exists (it will bind the tenant to the API key and
/// assert the actor), the tenant and actor come from the <c>X-Tenant-Id</c>, <c>X-Actor-Id</c>,
/// <c>X-Actor-Role</c> and <c>X-Client-System</c> headers; a request without a tenant is a 400.
/// </summary>
public sealed record RequestContext(string Tenant, string? ActorId, string? ActorRole, string? ClientSystem, string CorrelationId)
{
    public const string TenantHeader = "X-Tenant-Id";
    public const int MaxHeaderLength = 100;

    public EventMetadata Metadata => new EventMetadata(Tenant, ActorId, ActorRole, ClientSystem, CorrelationId).WithCurrentTrace();

    /// <summary>Minimal API binding: a missing or malformed tenant header is a 400 problem (BadHttpRequestException).</summary>
    public static ValueTask<RequestContext?> BindAsync(HttpContext http)
    {
        var headers = http.Request.Headers;
        var tenant = headers[TenantHeader].ToString().Trim();
        if (tenant.Length == 0)
            throw new BadHttpRequestException($"The {TenantHeader} header is required: every request acts for one tenant.", StatusCodes.Status400BadRequest);
        if (tenant.Length > MaxHeaderLength || tenant.Any(char.IsControl))
            throw new BadHttpRequestException($"The {TenantHeader} header is not a valid tenant id.", StatusCodes.Status400BadRequest);
        var correlation = headers["X-Correlation-Id"].ToString();
        return ValueTask.FromResult<RequestContext?>(new RequestContext(
            tenant,
            Optional(headers["X-Actor-Id"].ToString()),
            Optional(headers["X-Actor-Role"].ToString()),
            Optional(headers["X-Client-System"].ToString()),
            correlation.Length is > 0 and <= MaxHeaderLength ? correlation : http.TraceIdentifier));
    }

    private static string? Optional(string value) => value.Length == 0 ? null : value[..Math.Min(value.Length, MaxHeaderLength)];
}

/// <summary>Problem details the services answer with (RFC 9457).</summary>
public static class Problems
{
    public const string TypeBase = "https://ppid.example/problems/";

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(title: "Not found", detail: $"{what} does not exist.", statusCode: StatusCodes.Status404NotFound, type: TypeBase + "not-found");

    public static ProblemHttpResult Refused(DomainError error) =>
        TypedResults.Problem(title: "The command was refused", detail: error.Message, statusCode: StatusCodes.Status409Conflict, type: TypeBase + error.Code);

    public static ValidationProblem Invalid(ValidationErrors errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(), title: "The request has invalid fields", type: TypeBase + "validation");

    public static ValidationProblem Invalid(string field, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(field, message);
        return Invalid(errors);
    }
}
