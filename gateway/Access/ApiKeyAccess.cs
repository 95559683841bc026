using Microsoft.AspNetCore.Http.Features;
using Ppid.Gateway.Keys;
using Ppid.Platform.Http;

namespace Ppid.Gateway.Access;

/// <summary>The authenticated caller of an /api request: its key, and the actor it asserts.</summary>
public sealed record GatewayCaller(ApiKey Key, string? ActorId, string? ActorRole)
{
    public Forwarding.ForwardedIdentity Identity => new(Key.Tenant, Key.ClientName, ActorId, ActorRole);
}

/// <summary>
/// For every <c>/api</c> request: a valid API key (401 otherwise), a route-table rule whose scope
/// the key holds (403 otherwise) and an asserted role its scopes allow (403 otherwise). The caller
/// then travels as <see cref="GatewayCaller"/> in the request features.
/// </summary>
public sealed class ApiKeyAccess(RequestDelegate next, RouteTable routes, ApiKeyStore store)
{
    public const string Scheme = "ApiKey";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            await next(context);
            return;
        }
        var presented = PresentedKey(context.Request);
        var key = presented is { } hash ? await store.FindValidAsync(hash, context.RequestAborted) : null;
        if (key is null)
        {
            context.Response.Headers.WWWAuthenticate = Scheme;
            await GatewayProblems.WriteAsync(context, StatusCodes.Status401Unauthorized, "An API key is required",
                presented is null
                    ? "Send the client system's key as 'Authorization: ApiKey <key>' or in 'X-Api-Key'."
                    : "The API key is unknown, revoked, or past the grace period of its rotation.",
                "unauthenticated");
            return;
        }

        var rule = routes.Match(context.Request.Method, context.Request.Path.Value ?? "/");
        if (rule is null || (rule.Scope != RouteRule.AnyKey && !key.Scopes.Contains(rule.Scope)))
        {
            await GatewayProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "The key lacks the scope for this request",
                rule is null ? $"No rule of the gateway's route table allows {context.Request.Method} {context.Request.Path}."
                    : $"{context.Request.Method} {context.Request.Path} needs the scope '{rule.Scope}'.",
                "insufficient-scope");
            return;
        }

        var actorId = Header(context, "X-Actor-Id");
        var role = Header(context, "X-Actor-Role");
        if (actorId is not null && (actorId.Length > RequestContext.MaxHeaderLength || HasControl(actorId)))
        {
            await GatewayProblems.WriteInvalidAsync(context, "X-Actor-Id", $"At most {RequestContext.MaxHeaderLength} printable characters.");
            return;
        }
        if (role is not null && !Scopes.MayAssert(key.Scopes, role))
        {
            await GatewayProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "The key may not assert this role",
                $"The key's scopes ({string.Join(", ", key.Scopes)}) do not allow acting as '{role}'.", "role-not-allowed");
            return;
        }

        context.Features.Set(new GatewayCaller(key, actorId, role));
        await next(context);
    }

    /// <summary>The SHA-256 of the key the request presents (the key itself goes no further than this), or null when it presents none.</summary>
    private static KeyHash? PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString().AsSpan();
        if (authorization.Length > Scheme.Length && authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && authorization[Scheme.Length] == ' ')
            return KeyHash.Of(authorization[(Scheme.Length + 1)..].Trim());
        var header = request.Headers["X-Api-Key"].ToString().AsSpan();
        return header.Length > 0 ? KeyHash.Of(header.Trim()) : null;
    }

    private static bool HasControl(string value)
    {
        foreach (var c in value)
            if (char.IsControl(c)) return true;
        return false;
    }

    private static string? Header(HttpContext context, string name) =>
        context.Request.Headers[name].ToString() is { Length: > 0 } value ? value.Trim() : null;
}

public static class GatewayCallerExtensions
{
    public static GatewayCaller Caller(this HttpContext context) =>
        context.Features.Get<GatewayCaller>() ?? throw new InvalidOperationException("No authenticated caller: the endpoint is outside /api.");

    public static GatewayCaller? CallerOrNull(this IFeatureCollection features) => features.Get<GatewayCaller>();
}
