using Npgsql;
using Ppid.Classification.Classifications;
using Ppid.Classification.KnownItems;
using Ppid.Contracts.Classification;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;

namespace Ppid.Classification.Proposing;

public sealed record ProposalRequest(
    Guid? ItemId,
    string? Category,
    int? IntervalMonths,
    string? Rationale,
    ConsequenceTestRequest? ConsequenceTest,
    bool? TerminationOfInvestigation,
    Guid? Supersedes,
    string? Trigger);

public sealed record ProposeClassification(Guid ClassificationId, Guid ItemId, Proposal Proposal, Guid? Supersedes, ReclassificationTrigger? Trigger, string ProposedBy);

/// <summary>An existing classification of the item, as the read model lists it.</summary>
public sealed record ExistingClassification(Guid Id, string Status);

public static class ProposeDecider
{
    public const string Pasal18Code = ClassificationCommands.Pasal18Code;

    private static readonly string[] InProgress = ["in-consultation", "correction-requested", "agreed", "determined"];

    public static Decision Decide(KnownItem item, IReadOnlyList<ExistingClassification> existing, ProposeClassification command, DateTimeOffset now)
    {
        if (item.Withdrawn) return Decision.Refuse("item-withdrawn", $"Information item {item.ItemId} is withdrawn: the body no longer holds it, so it is not classified.");
        var p = command.Proposal;
        if (p.Category == Category.Dikecualikan && Pasal18.Refusal(item.Kind, p.TerminationOfInvestigation) is { } pasal18)
            return Decision.Refuse(Pasal18Code, pasal18);
        if (existing.FirstOrDefault(c => InProgress.Contains(c.Status)) is { } open)
            return Decision.Refuse("classification-in-progress", $"Classification {open.Id} of this item is still in progress ({open.Status}): revise that one.");
        var current = existing.FirstOrDefault(c => c.Status is "ratified" or "opened");
        if (command.Supersedes is null && current is not null)
            return Decision.Refuse("already-classified", $"The item is classified by {current.Id}: propose a reclassification that supersedes it.");
        if (command.Supersedes is { } earlier && current?.Id != earlier)
            return Decision.Refuse("not-current", current is null
                ? $"The item has no ratified classification to supersede ({earlier} is not one)."
                : $"Only the item's current classification {current.Id} can be superseded, not {earlier}.");
        return Decision.Accept(new ClassificationProposed(command.ClassificationId, command.ItemId, p.Category, p.IntervalMonths, p.Rationale, p.ConsequenceTest,
            p.TerminationOfInvestigation, command.Supersedes, command.Trigger, command.ProposedBy, now));
    }
}

/// <summary>POST /classifications: a petugas proposes (or, with supersedes and a trigger, re-proposes) an item's classification.</summary>
public static class ProposingEndpoint
{
    public static RouteGroupBuilder MapProposing(this RouteGroupBuilder group)
    {
        group.MapPost("/classifications", ProposeAsync);
        return group;
    }

    private static async Task<IResult> ProposeAsync(ProposalRequest body, RequestContext request, HttpContext http, Commands commands, NpgsqlDataSource db,
        TimeProvider clock, CancellationToken ct)
    {
        if (ClassificationCommands.RequireRole(request, "Proposing a classification", Platform.Http.Roles.Petugas) is { } forbidden) return forbidden;
        try
        {
            return await commands.RunAsync(http, request, body, async token =>
            {
                var now = clock.GetUtcNow();
                var errors = new ValidationErrors();
                if (body.ItemId is null || body.ItemId == Guid.Empty) errors.Add("itemId", "Required.");
                var proposal = ProposalValidation.Validate(body.Category, body.IntervalMonths, body.Rationale, body.ConsequenceTest, body.TerminationOfInvestigation,
                    ClassificationCommands.Today(now), errors);
                ReclassificationTrigger? trigger = null;
                if (body.Trigger is not null)
                {
                    if (Wire.TryParse<ReclassificationTrigger>(body.Trigger, out var t)) trigger = t;
                    else errors.Add("trigger", $"Must be one of: {Wire.Names<ReclassificationTrigger>()}.");
                }
                if (body.Supersedes is not null && body.Trigger is null) errors.Add("trigger", $"Required for a reclassification: {Wire.Names<ReclassificationTrigger>()}.");
                if (body.Supersedes is null && body.Trigger is not null) errors.Add("supersedes", "Required with a trigger: the classification this one replaces.");
                if (errors.Any) return new Failed(Problems.Invalid(errors));

                var itemId = body.ItemId!.Value;
                var item = await KnownItemsQueries.FindAsync(db, request.Tenant, itemId, token);
                if (item is null) return new Failed(Problems.NotFound($"Information item {itemId}"));
                var existing = await ExistingAsync(db, request.Tenant, itemId, token);
                var id = Guid.CreateVersion7(now);
                var decision = ProposeDecider.Decide(item, existing, new ProposeClassification(id, itemId, proposal!, body.Supersedes, trigger, request.ActorId!), now);
                if (decision.Error is { } error) return new Failed(ClassificationCommands.Refused(error));
                return new Pending(ClassificationState.StreamId(id), ClassificationState.StreamType, ExpectedVersion.NoStream, 0, decision.Events, StatusCodes.Status201Created,
                    version => new ClassificationChanged(id, itemId, version, Wire.Name(ClassificationStatus.InConsultation)), $"/api/v1/classification/classifications/{id}");
            }, ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == ClassificationsProjection.OneInProgressIndex)
        {
            // Two proposals for one item raced past the check: the read model's unique index let one commit.
            return Problems.Refused(new DomainError("classification-in-progress", "Another classification of this item was proposed at the same time: revise that one."));
        }
    }

    public static async Task<IReadOnlyList<ExistingClassification>> ExistingAsync(NpgsqlDataSource db, string tenant, Guid itemId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select classification_id, status from classifications where tenant = $1 and item_id = $2 order by classification_id");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = itemId });
        var list = new List<ExistingClassification>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(new ExistingClassification(reader.GetGuid(0), reader.GetString(1)));
        return list;
    }
}
