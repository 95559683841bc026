using Ppid.Gateway.Access;

namespace Ppid.Gateway.Forwarding;

/// <summary>The routes that go on to a service: the API by its owner's prefix, and the public website.</summary>
public static class ForwardingEndpoints
{
    public static WebApplication MapForwarding(this WebApplication app)
    {
        // Singletons, taken once here rather than from each request's services.
        var directory = app.Services.GetRequiredService<ServiceDirectory>();
        var forwarder = app.Services.GetRequiredService<IForwarder>();
        var publication = directory.Find("publication")!;

        // Every method; the access middleware has already checked key, scope and role.
        app.Map("/api/v1/{service}/{**rest}", (string service, HttpContext context) =>
            directory.Find(service) is { } pool
                ? forwarder.ForwardAsync(context, pool, context.Caller().Identity)
                : GatewayProblems.WriteAsync(context, StatusCodes.Status404NotFound, "Not found", $"There is no API under /api/v1/{service}.", "not-found"))
            .ExcludeFromDescription();

        // The public website needs no key: the tenant is the one the path names, and nobody is asserted.
        app.MapMethods("/{tenant}/dip/{**rest}", ["GET", "HEAD"], (string tenant, HttpContext context) =>
            forwarder.ForwardAsync(context, publication, ForwardedIdentity.Anonymous with { Tenant = tenant }))
            .ExcludeFromDescription();
        return app;
    }
}
