using Ppid.Classification.Classifications;
using Ppid.Classification.Proposing;
using Ppid.Contracts.Classification;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Roles = Ppid.Platform.Http.Roles;

namespace Ppid.Classification.Consulting;

public sealed record CommentRequest(string? Comment, bool? RequiresCorrection);

public sealed record RevisionRequest(string? Category, int? IntervalMonths, string? Rationale, ConsequenceTestRequest? ConsequenceTest, bool? TerminationOfInvestigation);

public sealed record CommentOnProposal(string Comment, bool RequiresCorrection, string ActorId, string Role);

public sealed record ReviseProposal(Proposal Proposal, string ActorId);

/// <summary>
/// Step 4 of the SOP: the PPID and the information service team comment on the proposal; a comment
/// may ask for correction, and then only a revision lets the proposal go on. Each revision starts a
/// new round in which both must comment again.
/// </summary>
public static class ConsultationDecider
{
    public static Decision Decide(ClassificationState state, CommentOnProposal command, DateTimeOffset now) =>
        state.Status is ClassificationStatus.InConsultation or ClassificationStatus.CorrectionRequested
            ? Decision.Accept(new ProposalCommented(state.Id, state.ItemId, command.Comment, command.RequiresCorrection, command.ActorId, command.Role, now))
            : ClassificationCommands.WrongOrder($"Consultation is over: the classification is {Wire.Name(state.Status)}.");

    public static Decision Decide(ClassificationState state, ReviseProposal command, KnownItems.KnownItem item, DateTimeOffset now)
    {
        if (state.Status is not (ClassificationStatus.InConsultation or ClassificationStatus.CorrectionRequested))
            return ClassificationCommands.WrongOrder($"Only a proposal in consultation can be revised; the classification is {Wire.Name(state.Status)}.");
        var p = command.Proposal;
        if (p.Category == Category.Dikecualikan && Pasal18.Refusal(item.Kind, p.TerminationOfInvestigation) is { } pasal18)
            return Decision.Refuse(ProposeDecider.Pasal18Code, pasal18);
        return Decision.Accept(new ProposalRevised(state.Id, state.ItemId, p.Category, p.IntervalMonths, p.Rationale, p.ConsequenceTest, p.TerminationOfInvestigation,
            command.ActorId, now));
    }

    /// <summary>Both the PPID and the information service team commented in this round, and nobody's correction is pending.</summary>
    public static string? NotReadyForMeeting(ClassificationState state)
    {
        if (state.Status == ClassificationStatus.CorrectionRequested)
            return "A correction was asked for: the petugas must revise the proposal before the coordination meeting.";
        var missing = new[] { Roles.Ppid, Roles.TimPelayanan }.Where(r => !state.RolesCommentedThisRound.Contains(r)).ToList();
        return missing.Count > 0 ? $"Consultation is not complete: no comment from {string.Join(" and ", missing)} on the current proposal (round {state.Round})." : null;
    }
}

public static class ConsultingEndpoint
{
    public const int CommentMax = 4000;

    public static RouteGroupBuilder MapConsulting(this RouteGroupBuilder group)
    {
        group.MapPost("/classifications/{id:guid}/comments", CommentAsync);
        group.MapPost("/classifications/{id:guid}/revisions", ReviseAsync);
        return group;
    }

    private static async Task<IResult> CommentAsync(Guid id, CommentRequest body, RequestContext request, HttpContext http, Commands commands, EventStore store,
        TimeProvider clock, CancellationToken ct)
    {
        if (ClassificationCommands.RequireRole(request, "Commenting in the consultation", Roles.Ppid, Roles.TimPelayanan) is { } forbidden) return forbidden;
        var (ifMatch, bad) = ClassificationCommands.RequireIfMatch(http.Request);
        if (bad is not null) return bad;
        var errors = new ValidationErrors();
        var comment = errors.Required("comment", body.Comment, CommentMax);
        if (errors.Any) return Problems.Invalid(errors);
        var command = new CommentOnProposal(comment!, body.RequiresCorrection ?? false, request.ActorId!, request.ActorRole!);
        return await commands.RunAsync(http, request, body, token => ClassificationCommands.DecideAsync(store, request, id, ifMatch,
            state => Task.FromResult(ConsultationDecider.Decide(state, command, clock.GetUtcNow())), token), ct);
    }

    private static async Task<IResult> ReviseAsync(Guid id, RevisionRequest body, RequestContext request, HttpContext http, Commands commands, EventStore store,
        Npgsql.NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (ClassificationCommands.RequireRole(request, "Revising a proposal", Roles.Petugas) is { } forbidden) return forbidden;
        var (ifMatch, bad) = ClassificationCommands.RequireIfMatch(http.Request);
        if (bad is not null) return bad;
        var now = clock.GetUtcNow();
        var errors = new ValidationErrors();
        var proposal = ProposalValidation.Validate(body.Category, body.IntervalMonths, body.Rationale, body.ConsequenceTest, body.TerminationOfInvestigation,
            ClassificationCommands.Today(now), errors);
        if (errors.Any) return Problems.Invalid(errors);
        return await commands.RunAsync(http, request, body, token => ClassificationCommands.DecideAsync(store, request, id, ifMatch, async state =>
        {
            var item = await KnownItems.KnownItemsQueries.FindAsync(db, request.Tenant, state.ItemId, token)
                ?? throw new InvalidOperationException($"Classification {id} names item {state.ItemId}, which known_items lacks.");
            return ConsultationDecider.Decide(state, new ReviseProposal(proposal!, request.ActorId!), item, now);
        }, token), ct);
    }
}
