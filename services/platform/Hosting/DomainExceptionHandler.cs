using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Ppid.Platform.EventSourcing;

namespace Ppid.Platform.Hosting;

/// <summary>Maps the platform's typed failures to RFC 9457 problem details; everything else stays a 500.</summary>
internal sealed class DomainExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
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
            _ => null,
        };
        if (problem is null) return false;
        context.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }
}
