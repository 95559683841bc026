namespace Ppid.Gateway.Docs;

/// <summary><c>/openapi/v1.json</c> (the merged document) and <c>/docs</c> (Swagger UI over it); no key needed.</summary>
public static class DocsEndpoints
{
    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapGet("/openapi/v1.json", async (MergedOpenApi document, CancellationToken ct) =>
            Results.Content(await document.GetAsync(ct), "application/json")).ExcludeFromDescription();
        // Only /docs goes through Swagger UI's middleware (it matches every request's path against its own otherwise).
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/docs"), docs => docs.UseSwaggerUI(ui =>
        {
            ui.RoutePrefix = "docs";
            ui.DocumentTitle = "PPID Suite API";
            ui.SwaggerEndpoint("/openapi/v1.json", "PPID Suite API v1");
        }));
        return app;
    }
}
