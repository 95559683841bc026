using Ppid.Platform.Http;

namespace Ppid.Gateway;

/// <summary>Problem details (RFC 9457) the gateway answers with itself.</summary>
public static class GatewayProblems
{
    public static async Task WriteAsync(HttpContext context, int status, string title, string detail, string type)
    {
        if (context.Response.HasStarted) return; // the status line is gone; the aborted body tells the client
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail, Type = Problems.TypeBase + type },
        });
    }

    public static Task WriteInvalidAsync(HttpContext context, string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] },
            title: "The request has invalid fields", type: Problems.TypeBase + "validation").ExecuteAsync(context);
}
