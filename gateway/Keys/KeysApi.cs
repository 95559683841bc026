using Microsoft.AspNetCore.Http.HttpResults;
using Ppid.Gateway.Access;
using Ppid.Platform.Http;

namespace Ppid.Gateway.Keys;

/// <summary>
/// The admin API (scope <c>admin</c>, per the route table) for the keys of the admin key's own
/// tenant: a key of another tenant answers 404. The secret of a key is in the answer that makes it, never again.
/// </summary>
public static class KeysApi
{
    public sealed record CreateKeyRequest(string? ClientName, IReadOnlyList<string>? Scopes);

    public sealed record RotateKeyRequest(int? GraceSeconds);

    public sealed record KeyView(Guid Id, string Tenant, string ClientName, IReadOnlyList<string> Scopes, string Prefix,
        DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, Guid? ReplacedBy)
    {
        public static KeyView Of(ApiKey k) => new(k.Id, k.Tenant, k.ClientName, k.Scopes, k.Prefix, k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.ReplacedBy);
    }

    public sealed record IssuedKeyView(KeyView Key, string Secret);

    public static WebApplication MapKeysApi(this WebApplication app)
    {
        var keys = app.MapGroup("/api/v1/gateway/keys").WithTags("API keys");
        keys.MapPost("/", CreateAsync).WithSummary("Create a key for a client system of the admin key's tenant (scope admin)");
        keys.MapGet("/", ListAsync).WithSummary("List the tenant's keys (scope admin)");
        keys.MapGet("/{id:guid}", GetAsync).WithSummary("One key (scope admin)");
        keys.MapPost("/{id:guid}/rotate", RotateAsync).WithSummary("Issue a successor; the old key stays valid for the grace period (scope admin)");
        keys.MapDelete("/{id:guid}", RevokeAsync).WithSummary("Revoke a key at once (scope admin)");
        return app;
    }

    private static async Task<Results<Created<IssuedKeyView>, ValidationProblem>> CreateAsync(CreateKeyRequest body, HttpContext context, ApiKeyStore store)
    {
        var errors = new ValidationErrors();
        var clientName = body.ClientName?.Trim() ?? "";
        if (clientName.Length is 0 or > 100) errors.Add("clientName", "Name the client system (1 to 100 characters).");
        if (ValidateScopes(body.Scopes) is { } scopeError) errors.Add("scopes", scopeError);
        if (errors.Any) return Problems.Invalid(errors);
        var issued = await store.CreateAsync(context.Caller().Key.Tenant, clientName, body.Scopes!, context.RequestAborted);
        return TypedResults.Created($"/api/v1/gateway/keys/{issued.Key.Id}", new IssuedKeyView(KeyView.Of(issued.Key), issued.Secret));
    }

    private static async Task<Ok<List<KeyView>>> ListAsync(HttpContext context, ApiKeyStore store) =>
        TypedResults.Ok((await store.ListAsync(context.Caller().Key.Tenant, context.RequestAborted)).Select(KeyView.Of).ToList());

    private static async Task<Results<Ok<KeyView>, ProblemHttpResult>> GetAsync(Guid id, HttpContext context, ApiKeyStore store) =>
        await store.GetAsync(id, context.Caller().Key.Tenant, context.RequestAborted) is { } key ? TypedResults.Ok(KeyView.Of(key)) : Problems.NotFound($"Key {id}");

    private static async Task<Results<Created<IssuedKeyView>, ProblemHttpResult, ValidationProblem>> RotateAsync(
        Guid id, RotateKeyRequest? body, HttpContext context, ApiKeyStore store, GatewayOptions options)
    {
        if (body?.GraceSeconds is < 0 or > 30 * 24 * 3600) return Problems.Invalid("graceSeconds", "Between 0 and 2592000 (30 days).");
        var grace = body?.GraceSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : options.KeyRotationGrace;
        try
        {
            return await store.RotateAsync(id, context.Caller().Key.Tenant, grace, context.RequestAborted) is { } issued
                ? TypedResults.Created($"/api/v1/gateway/keys/{issued.Key.Id}", new IssuedKeyView(KeyView.Of(issued.Key), issued.Secret))
                : Problems.NotFound($"Key {id}");
        }
        catch (KeyNotValidException e)
        {
            return Problems.Refused(new DomainError("key-not-rotatable", e.Message));
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(Guid id, HttpContext context, ApiKeyStore store) =>
        await store.RevokeAsync(id, context.Caller().Key.Tenant, context.RequestAborted) ? TypedResults.NoContent() : Problems.NotFound($"Key {id}");

    internal static string? ValidateScopes(IReadOnlyList<string>? scopes)
    {
        if (scopes is null || scopes.Count == 0) return $"Give at least one scope of: {string.Join(", ", Scopes.All)}.";
        var unknown = scopes.Where(s => !Scopes.All.Contains(s)).ToList();
        return unknown.Count > 0 ? $"Unknown scopes {string.Join(", ", unknown)}; known: {string.Join(", ", Scopes.All)}." : null;
    }
}
