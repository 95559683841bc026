using System.Text.Json.Nodes;
using Npgsql;
using Ppid.Archive.Evidence;
using Ppid.Archive.Ledger;
using Ppid.Platform.Http;

namespace Ppid.Archive.Auditing;

/// <summary>The DIP as the public saw it at an instant: the edition in force then, with its proof.</summary>
public sealed record DipAsOfResponse(
    DateTimeOffset At,
    Guid EditionId,
    int Edition,
    DateOnly EffectiveDate,
    DateTimeOffset PublishedAt,
    string ContentHash,
    JsonNode Content,
    LedgerProof Proof,
    IReadOnlyList<JsonNode> SertaMertaSince);

/// <summary>Where the edition sits in the ledger: its row, the source's event hash, and the root archived with it.</summary>
public sealed record LedgerProof(long LedgerSequence, string SourceService, string StreamId, long StreamVersion, Guid EventId, string EventHash, string? LedgerRootHash, long? RootLedgerPosition);

public sealed record ItemStateResponse(Guid ItemId, DateTimeOffset At, long? LastLedgerSequence, JsonObject State);

/// <summary>
/// The auditor's API (the gateway grants it to keys with scope <c>audit:read</c>, which assert the
/// role <c>auditor</c>): an item's history with diffs, its state and the DIP as of an instant,
/// the ledger's verification, the evidence bundle and a printable timeline.
/// </summary>
public static class AuditingEndpoints
{
    public static RouteGroupBuilder MapAuditing(this RouteGroupBuilder group)
    {
        var audit = group.MapGroup("/audit");
        audit.MapGet("/items/{itemId:guid}/history", HistoryAsync);
        audit.MapGet("/items/{itemId:guid}/state", StateAsync);
        audit.MapGet("/items/{itemId:guid}/timeline", TimelineAsync);
        audit.MapGet("/dip", DipAsync);
        audit.MapGet("/verification", VerifyAsync);
        audit.MapGet("/evidence", EvidenceAsync);
        audit.MapPost("/evidence/verification", VerifyBundleAsync).DisableAntiforgery();
        return group;
    }

    /// <summary>403 unless the caller acts as an auditor.</summary>
    internal static IResult? RequireRole(RequestContext request, string role) =>
        string.Equals(request.ActorRole, role, StringComparison.Ordinal) ? null
        : TypedResults.Problem(title: "Forbidden", detail: $"This needs the role '{role}' (X-Actor-Role).", statusCode: StatusCodes.Status403Forbidden, type: Problems.TypeBase + "forbidden");

    private static async Task<IResult> HistoryAsync(Guid itemId, RequestContext request, NpgsqlDataSource db, CancellationToken ct)
    {
        if (RequireRole(request, Roles.Auditor) is { } forbidden) return forbidden;
        var rows = await LedgerQueries.ForItemAsync(db, request.Tenant, itemId, null, ct);
        if (rows.Count == 0) return Problems.NotFound($"Information item {itemId}");
        return TypedResults.Ok(ItemHistory.Build(itemId, rows));
    }

    private static async Task<IResult> StateAsync(Guid itemId, RequestContext request, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct, DateTimeOffset? at = null)
    {
        if (RequireRole(request, Roles.Auditor) is { } forbidden) return forbidden;
        var instant = at ?? clock.GetUtcNow();
        var all = await LedgerQueries.ForItemAsync(db, request.Tenant, itemId, null, ct);
        if (all.Count == 0) return Problems.NotFound($"Information item {itemId}");
        var rows = all.Where(r => r.RecordedAt <= instant).ToList();
        var replayed = ItemHistory.Build(itemId, rows);
        return TypedResults.Ok(new ItemStateResponse(itemId, instant, rows.Count == 0 ? null : rows[^1].Sequence, replayed.State));
    }

    private static async Task<IResult> TimelineAsync(Guid itemId, RequestContext request, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (RequireRole(request, Roles.Auditor) is { } forbidden) return forbidden;
        var rows = await LedgerQueries.ForItemAsync(db, request.Tenant, itemId, null, ct);
        if (rows.Count == 0) return Problems.NotFound($"Information item {itemId}");
        return TypedResults.Content(Timeline.Render(request.Tenant, ItemHistory.Build(itemId, rows), clock.GetUtcNow()), "text/html; charset=utf-8");
    }

    private static async Task<IResult> DipAsync(RequestContext request, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct, DateTimeOffset? at = null)
    {
        if (RequireRole(request, Roles.Auditor) is { } forbidden) return forbidden;
        var instant = at ?? clock.GetUtcNow();
        var dip = await DipAsOf.FindAsync(db, request.Tenant, instant, ct);
        return dip is null ? Problems.NotFound($"A DIP edition published by {instant:O}") : TypedResults.Ok(dip);
    }

    private static async Task<IResult> VerifyAsync(RequestContext request, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct, string? format = null)
    {
        if (RequireRole(request, Roles.Auditor) is { } forbidden) return forbidden;
        if (format is not (null or "json" or "html")) return Problems.Invalid("format", "Must be json or html.");
        var report = await VerifyTenantAsync(db, request.Tenant, clock.GetUtcNow(), ct);
        return format == "html" ? TypedResults.Content(VerificationHtml.Render(report), "text/html; charset=utf-8") : TypedResults.Ok(report);
    }

    internal static async Task<VerificationReport> VerifyTenantAsync(NpgsqlDataSource db, string tenant, DateTimeOffset now, CancellationToken ct)
    {
        var rows = await LedgerQueries.StreamOrderAsync(db, tenant, null, ct);
        var heads = await LedgerQueries.RecordedHeadsAsync(db, tenant, ct);
        var breaks = await LedgerQueries.BreaksAsync(db, tenant, ct);
        return LedgerVerifier.Verify(tenant, now, rows, heads, breaks);
    }

    /// <summary>Checks a bundle someone kept (the zip as the request body), with its own contents only.</summary>
    private static async Task<IResult> VerifyBundleAsync(RequestContext request, HttpRequest http, CancellationToken ct)
    {
        if (RequireRole(request, Roles.Auditor) is { } forbidden) return forbidden;
        using var body = new MemoryStream();
        await http.Body.CopyToAsync(body, ct);
        body.Position = 0;
        return TypedResults.Ok(EvidenceVerifier.Verify(body));
    }

    private static async Task<IResult> EvidenceAsync(RequestContext request, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct, Guid? itemId = null)
    {
        if (RequireRole(request, Roles.Auditor) is { } forbidden) return forbidden;
        if (itemId is { } item && (await LedgerQueries.ForItemAsync(db, request.Tenant, item, null, ct)).Count == 0) return Problems.NotFound($"Information item {item}");
        var bytes = await EvidenceBundle.BuildAsync(db, request.Tenant, clock.GetUtcNow(), itemId, ct);
        return TypedResults.File(bytes, "application/zip", $"bukti-{request.Tenant}.zip");
    }
}
