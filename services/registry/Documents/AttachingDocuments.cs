using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Registry.Items;

namespace Ppid.Registry.Documents;

public sealed record AttachDocument(Guid ItemId, DocumentReference Document);

public sealed record DetachDocument(Guid ItemId, Guid DocumentId);

public sealed record DocumentAttachedResponse(Guid Id, long Version, Guid DocumentId);

public static class DocumentDecider
{
    public static Decision Decide(InformationItem state, AttachDocument command, DateTimeOffset now) =>
        !state.Exists ? Decision.Refuse("not-registered", $"Information item {command.ItemId} is not registered.")
        : state.Status == ItemStatus.Withdrawn ? Decision.Refuse("item-withdrawn", "Documents cannot be attached to a withdrawn item.")
        : state.Documents.Count >= ItemValidation.MaxDocuments ? Decision.Refuse("too-many-documents", $"An item has at most {ItemValidation.MaxDocuments} documents.")
        : state.Documents.Any(d => d.DocumentId == command.Document.DocumentId) ? Decision.Refuse("duplicate-document", "The document is already attached.")
        : Decision.Accept(new DocumentAttached(command.ItemId, command.Document, now));

    public static Decision Decide(InformationItem state, DetachDocument command, DateTimeOffset now) =>
        !state.Exists ? Decision.Refuse("not-registered", $"Information item {command.ItemId} is not registered.")
        : state.Status == ItemStatus.Withdrawn ? Decision.Refuse("item-withdrawn", "Documents cannot be detached from a withdrawn item.")
        : state.Documents.All(d => d.DocumentId != command.DocumentId) ? Decision.Refuse("document-not-attached", $"Document {command.DocumentId} is not attached to this item.")
        : Decision.Accept(new DocumentDetached(command.ItemId, command.DocumentId, now));
}

public static class AttachingDocumentsEndpoint
{
    public static RouteGroupBuilder MapAttachingDocuments(this RouteGroupBuilder group)
    {
        group.MapPost("/items/{id:guid}/documents", AttachAsync);
        group.MapDelete("/items/{id:guid}/documents/{documentId:guid}", DetachAsync);
        return group;
    }

    private static async Task<IResult> AttachAsync(Guid id, DocumentRequest body, RequestContext request, HttpContext http, Commands commands,
        EventStore store, TimeProvider clock, CancellationToken ct)
    {
        var (ifMatch, bad) = Versions.IfMatch(http.Request);
        if (bad is not null) return bad;
        var now = clock.GetUtcNow();
        var errors = new ValidationErrors();
        var document = ItemValidation.Document(body, Guid.CreateVersion7(now), "", errors);
        if (errors.Any) return Problems.Invalid(errors);
        return await commands.RunAsync(http, request, body, token => ItemCommands.DecideAsync(store, request, id, ifMatch,
            state => Task.FromResult<(Decision?, IResult?)>((DocumentDecider.Decide(state, new AttachDocument(id, document!), now), null)),
            version => new DocumentAttachedResponse(id, version, document!.DocumentId), token), ct);
    }

    private static async Task<IResult> DetachAsync(Guid id, Guid documentId, RequestContext request, HttpContext http, Commands commands,
        EventStore store, TimeProvider clock, CancellationToken ct)
    {
        var (ifMatch, bad) = Versions.IfMatch(http.Request);
        if (bad is not null) return bad;
        return await commands.RunAsync(http, request, null, token => ItemCommands.DecideAsync(store, request, id, ifMatch,
            state => Task.FromResult<(Decision?, IResult?)>((DocumentDecider.Decide(state, new DetachDocument(id, documentId), clock.GetUtcNow()), null)),
            null, token), ct);
    }
}
