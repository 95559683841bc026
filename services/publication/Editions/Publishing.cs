using Microsoft.AspNetCore.OutputCaching;
using Ppid.Contracts.Publication;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Publication.Catalog;
using Ppid.Publication.Site;

namespace Ppid.Publication.Editions;

public sealed record PublishEdition(Guid EditionId, DateOnly EffectiveDate, string PublishedBy);

public sealed record PublishEditionRequest(DateOnly? EffectiveDate);

/// <summary>What publishing needs to know of the edition in force.</summary>
public sealed record LastEdition(int Number, DateOnly EffectiveDate, string ContentHash);

public static class PublishDecider
{
    /// <summary>The PPID publishes the draft as the next edition: an immutable snapshot of its public content.</summary>
    public static Decision Decide(DraftContent draft, LastEdition? last, PublishEdition command, DateTimeOffset now)
    {
        if (draft.Entries.Count == 0 && draft.Exemptions.Count == 0)
            return Decision.Refuse("draft-empty", "Nothing is ratified yet: an edition needs at least one ratified item.");
        var hash = draft.ContentHash;
        if (last is not null && last.ContentHash == hash)
            return Decision.Refuse("edition-unchanged", $"The draft is the same as edition {last.Number}: nothing to publish.");
        if (last is not null && command.EffectiveDate < last.EffectiveDate)
            return Decision.Refuse("effective-date-earlier", $"Edition {last.Number} is effective from {last.EffectiveDate:yyyy-MM-dd}; a new edition cannot take effect earlier.");
        return Decision.Accept(new EditionPublished(command.EditionId, (last?.Number ?? 0) + 1, command.EffectiveDate,
            draft.Entries, draft.Exemptions, draft.RatificationIds, hash, command.PublishedBy, now));
    }
}

/// <summary>Draft preview, publishing (role ppid, idempotent) and the editions of the tenant.</summary>
public static class PublishingEndpoints
{
    public static RouteGroupBuilder MapPublishing(this RouteGroupBuilder group)
    {
        group.MapGet("/draft", DraftAsync);
        group.MapPost("/editions", PublishAsync);
        group.MapGet("/editions", ListAsync);
        group.MapGet("/editions/{number:int}", GetAsync);
        return group;
    }

    public static async Task<(DraftContent Draft, StoredEdition? Last)> CurrentDraftAsync(EventStore store, string tenant, CancellationToken ct)
    {
        var last = await EditionQueries.LatestAsync(store.DataSource, tenant, ct);
        var catalog = await CatalogQueries.LoadAsync(store.DataSource, tenant, ct);
        return (Draft.Build(catalog, last?.Edition.PublishedAt), last);
    }

    private static async Task<IResult> DraftAsync(RequestContext request, EventStore store, CancellationToken ct)
    {
        var (draft, last) = await CurrentDraftAsync(store, request.Tenant, ct);
        return TypedResults.Ok(new { draft.Entries, draft.Exemptions, draft.RatificationIds, draft.ContentHash, basedOnEdition = last?.Edition.Number });
    }

    private static async Task<IResult> PublishAsync(PublishEditionRequest? body, RequestContext request, HttpContext http, Commands commands, EventStore store,
        TimeProvider clock, IOutputCacheStore cache, CancellationToken ct)
    {
        if (request.ActorRole != Roles.Ppid)
            return TypedResults.Problem(title: "Forbidden", detail: "Only the PPID (role 'ppid') publishes an edition.", statusCode: StatusCodes.Status403Forbidden,
                type: Problems.TypeBase + "forbidden");
        if (string.IsNullOrWhiteSpace(request.ActorId))
            return Problems.Invalid("X-Actor-Id", "The publishing PPID must be named.");
        var now = clock.GetUtcNow();
        var effective = body?.EffectiveDate ?? DateOnly.FromDateTime(now.UtcDateTime);
        var result = await commands.RunAsync(http, request, body ?? new PublishEditionRequest(null), async token =>
        {
            var (draft, last) = await CurrentDraftAsync(store, request.Tenant, token);
            var lastEdition = last is null ? null : new LastEdition(last.Edition.Number, last.Edition.EffectiveDate, last.Edition.ContentHash);
            var decision = PublishDecider.Decide(draft, lastEdition, new PublishEdition(Guid.CreateVersion7(now), effective, request.ActorId!), now);
            if (decision.Error is { } error) return new Failed(Problems.Refused(error));
            var published = (EditionPublished)decision.Events[0];
            // One stream per (tenant, number), expected not to exist: two concurrent publishers
            // cannot both take a number; the loser gets a 409 and nothing is appended.
            return new Pending(EditionQueries.StreamId(request.Tenant, published.Number), EditionQueries.StreamType, ExpectedVersion.NoStream, 0,
                decision.Events, StatusCodes.Status201Created, _ => Summary(published), $"/api/v1/publication/editions/{published.Number}");
        }, ct);
        await cache.EvictByTagAsync(SiteCache.Tag(request.Tenant), ct);
        return result;
    }

    private static object Summary(EditionPublished e) => new
    {
        e.EditionId, e.Number, e.EffectiveDate, e.ContentHash, e.PublishedBy, e.PublishedAt,
        entries = e.Entries.Count, exemptions = e.Exemptions.Count, ratifications = e.RatificationIds.Count,
    };

    private static async Task<IResult> ListAsync(RequestContext request, EventStore store, CancellationToken ct) =>
        TypedResults.Ok(await EditionQueries.ListAsync(store.DataSource, request.Tenant, ct));

    private static async Task<IResult> GetAsync(int number, RequestContext request, EventStore store, CancellationToken ct) =>
        await EditionQueries.ByNumberAsync(store.DataSource, request.Tenant, number, ct) is { } edition
            ? TypedResults.Ok(new { edition.Edition, edition.LedgerRootHash, edition.LedgerPosition, edition.ArchivedAt })
            : Problems.NotFound($"Edition {number}");
}
