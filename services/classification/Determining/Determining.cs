using Ppid.Classification.Classifications;
using Ppid.Contracts.Classification;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Roles = Ppid.Platform.Http.Roles;

namespace Ppid.Classification.Determining;

public sealed record DeterminationRequest(string? DecreeNumber, DateOnly? DecreeDate, string? Place, string? PpidName);

public sealed record Determine(Decree Decree);

/// <summary>The PPID's determination (penetapan): the decree, only after the meeting agreed.</summary>
public static class DetermineDecider
{
    public static Decision Decide(ClassificationState state, Determine command, KnownItems.KnownItem item, DateTimeOffset now) => state.Status switch
    {
        ClassificationStatus.Agreed => ItemGuard.Check(state, item) ?? Decision.Accept(new ClassificationDetermined(state.Id, state.ItemId, command.Decree, now)),
        ClassificationStatus.InConsultation or ClassificationStatus.CorrectionRequested =>
            ClassificationCommands.WrongOrder("The PPID determines only what the coordination meeting agreed; no meeting agreed on this proposal yet."),
        _ => ClassificationCommands.WrongOrder($"The classification is already {Wire.Name(state.Status)}."),
    };
}

public static class DeterminingEndpoint
{
    public static RouteGroupBuilder MapDetermining(this RouteGroupBuilder group)
    {
        group.MapPost("/classifications/{id:guid}/determination", DetermineAsync);
        return group;
    }

    private static async Task<IResult> DetermineAsync(Guid id, DeterminationRequest body, RequestContext request, HttpContext http, Commands commands, EventStore store,
        Npgsql.NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (ClassificationCommands.RequireRole(request, "The determination (penetapan)", Roles.Ppid) is { } forbidden) return forbidden;
        var (ifMatch, bad) = ClassificationCommands.RequireIfMatch(http.Request);
        if (bad is not null) return bad;
        var now = clock.GetUtcNow();
        var errors = new ValidationErrors();
        var number = errors.Required("decreeNumber", body.DecreeNumber, 200);
        if (body.DecreeDate is null) errors.Add("decreeDate", "Required.");
        else if (body.DecreeDate > ClassificationCommands.Today(now)) errors.Add("decreeDate", "Must not be in the future.");
        var place = errors.Required("place", body.Place, 200);
        var name = errors.Required("ppidName", body.PpidName, 200);
        if (errors.Any) return Problems.Invalid(errors);
        var decree = new Decree(number!, body.DecreeDate!.Value, place!, request.ActorId!, name!);
        return await commands.RunAsync(http, request, body, token => ClassificationCommands.DecideAsync(store, request, id, ifMatch,
            async state => DetermineDecider.Decide(state, new Determine(decree), await ItemGuard.ItemAsync(db, request.Tenant, state, token), now), token), ct);
    }
}
