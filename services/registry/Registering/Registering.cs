using Npgsql;
using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Registry.Items;
using Ppid.Registry.ReferenceData;

namespace Ppid.Registry.Registering;

public sealed record RegisterInformationItem(Guid ItemId, ItemDetails Details, IReadOnlyList<DocumentReference> Documents);

public static class RegisterDecider
{
    public static Decision Decide(InformationItem state, RegisterInformationItem command, DateTimeOffset now)
    {
        if (state.Exists) return Decision.Refuse("item-exists", $"Information item {command.ItemId} is already registered.");
        if (command.Documents.GroupBy(d => d.DocumentId).Any(g => g.Count() > 1))
            return Decision.Refuse("duplicate-document", "Each document needs its own id.");
        var d = command.Details;
        return Decision.Accept(new InformationItemRegistered(command.ItemId, d.Title, d.Summary, d.HoldingUnit, d.ResponsibleOfficial,
            d.ProductionDate, d.ProductionPlace, d.Forms, d.RecordClass, d.Kind, d.Language, d.Tags, command.Documents, now));
    }
}

public static class RegisteringEndpoint
{
    public static RouteGroupBuilder MapRegistering(this RouteGroupBuilder group)
    {
        group.MapPost("/items", RegisterAsync);
        return group;
    }

    private static Task<IResult> RegisterAsync(ItemRequest body, RequestContext request, HttpContext http, Commands commands, NpgsqlDataSource db,
        TimeProvider clock, CancellationToken ct) =>
        commands.RunAsync(http, request, body, async token =>
        {
            var now = clock.GetUtcNow();
            var known = await ReferenceDataApi.KnownCodesAsync(db, request.Tenant, token);
            var errors = new ValidationErrors();
            var details = ItemValidation.Details(body, known, now, errors);
            var documents = ItemValidation.Documents(body.Documents, () => Guid.CreateVersion7(now), errors);
            if (errors.Any) return new Failed(Problems.Invalid(errors));

            var itemId = Guid.CreateVersion7(now);
            var decision = RegisterDecider.Decide(InformationItem.Initial, new RegisterInformationItem(itemId, details!, documents), now);
            if (decision.Error is { } error) return new Failed(Problems.Refused(error));
            return new Pending(InformationItem.StreamId(itemId), InformationItem.StreamType, ExpectedVersion.NoStream, 0, decision.Events, StatusCodes.Status201Created,
                version => new ItemChanged(itemId, version), $"/api/v1/registry/items/{itemId}");
        }, ct);
}
