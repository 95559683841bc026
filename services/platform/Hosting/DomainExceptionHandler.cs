using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Ppid.Platform.Database;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;

namespace Ppid.Platform.Hosting;

/// <summary>
/// Maps the platform's typed failures to RFC 9457 problem details: a stale version is a 409; a
/// database that cannot be reached or is restarting (<see cref="DatabaseFailures.IsTransient(Exception)"/>)
/// a 503 with Retry-After; everything else stays a 500.
/// </summary>
internal sealed class DomainExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    /// <summary>Seconds a client waits before retrying after a 503: about what a PostgreSQL restart takes.</summary>
    public const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var problem = exception switch
        {
            ConcurrencyException c => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "The resource was changed by someone else",
                Detail = $"It is at version {c.ActualVersion}; your change was based on {c.Expected}. Reload it and try again.",
                Type = "https://ppid.example/problems/version-conflict",
                Extensions = { ["currentVersion"] = c.ActualVersion },
            },
            TenantMismatchException => new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not found" },
            BadHttpRequestException b => new ProblemDetails { Status = b.StatusCode, Title = "Bad request", Detail = b.Message },
            CommitOutcomeUnknownException => Unavailable("outcome-unknown", "The outcome of the request is unknown",
                "The database connection broke while the change was being committed, and the database could not be asked in time whether it was made. " +
                $"Repeat the request with the same {Commands.KeyHeader} after {RetryAfterSeconds} s to get its outcome (without one, read the resource before repeating it)."),
            _ when DatabaseFailures.IsTransient(exception) => Unavailable("service-unavailable", "The service is temporarily unavailable",
                $"Its database cannot be reached right now (it may be restarting), so the request was not carried out. Retry after {RetryAfterSeconds} s."),
            _ => null,
        };
        if (problem is null) return false;
        context.Response.StatusCode = problem.Status!.Value;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails Unavailable(string type, string title, string detail) => new()
    {
        Status = StatusCodes.Status503ServiceUnavailable,
        Title = title,
        Detail = detail,
        Type = Problems.TypeBase + type,
    };
}
