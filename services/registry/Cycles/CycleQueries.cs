using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Registry.Cycles.TimeStandards;

namespace Ppid.Registry.Cycles;

/// <summary>
/// A step with its due instant. The registry's own steps (collect, receive, verify) end when
/// collection closes: <see cref="CompletedAt"/>, <see cref="Overdue"/> (due has passed and the step
/// has not ended) and <see cref="CompletedLate"/> are set for them. Later steps belong to other
/// services (<see cref="TrackedHere"/> false): the registry shows their due dates only.
/// </summary>
public sealed record CycleStepView(string Code, string Name, DateTimeOffset DueAt, bool TrackedHere, DateTimeOffset? CompletedAt, bool? Overdue, bool? CompletedLate);

/// <summary>An item awaiting verification past the verification time standard counted from its hand-over.</summary>
public sealed record OverdueVerification(Guid ItemId, string ReceiptNumber, DateTimeOffset SubmittedAt, DateTimeOffset VerifyDueAt);

public sealed record CycleResponse(
    Guid Id,
    long Version,
    string Period,
    int Year,
    CycleStatus Status,
    DateTimeOffset OpenedAt,
    DateTimeOffset? ClosedAt,
    IReadOnlyList<CycleStepView> Steps,
    IReadOnlyList<string> OverdueSteps,
    IReadOnlyList<OverdueVerification> OverdueVerifications,
    IReadOnlyList<Submission> Submissions,
    IReadOnlyList<CycleItem> Items,
    IReadOnlyList<AcceptedItem> AcceptedItems);

public sealed record CycleSummary(
    Guid Id,
    long Version,
    string Period,
    int Year,
    CycleStatus Status,
    DateTimeOffset OpenedAt,
    DateTimeOffset? ClosedAt,
    int Submissions,
    int AwaitingVerification,
    int Accepted,
    int Returned,
    IReadOnlyList<string> OverdueSteps,
    int OverdueVerifications);

/// <summary>Detail and list of cycles from the inline <c>cycles</c> read model, within the caller's tenant; overdue flags use the injected clock.</summary>
public static class CycleQueries
{
    public static RouteGroupBuilder MapCycleQueries(this RouteGroupBuilder group)
    {
        group.MapGet("/cycles/{id:guid}", GetAsync);
        group.MapGet("/cycles/{id:guid}/submissions/{submissionId:guid}", GetSubmissionAsync);
        group.MapGet("/cycles", ListAsync);
        return group;
    }

    /// <summary>Each step's standing at <paramref name="now"/> (pure).</summary>
    public static IReadOnlyList<CycleStepView> StepViews(Cycle cycle, DateTimeOffset now) =>
    [
        .. cycle.Steps.Select(s =>
        {
            if (!SopProfile.RegistrySteps.Contains(s.Code)) return new CycleStepView(s.Code, s.Name, s.DueAt, false, null, null, null);
            var completed = cycle.ClosedAt;
            return new CycleStepView(s.Code, s.Name, s.DueAt, true, completed, completed is null && now > s.DueAt, completed is { } c ? c > s.DueAt : null);
        }),
    ];

    /// <summary>Items awaiting verification whose verification was due before <paramref name="now"/> (pure).</summary>
    public static IReadOnlyList<OverdueVerification> OverdueVerifications(Cycle cycle, DateTimeOffset now) =>
    [
        .. cycle.Items
            .Where(i => i.Status == CycleItemStatus.Submitted && i.Rounds[^1].VerifyDueAt is { } due && now > due)
            .Select(i => new OverdueVerification(i.ItemId, i.Rounds[^1].ReceiptNumber, i.Rounds[^1].SubmittedAt, i.Rounds[^1].VerifyDueAt!.Value)),
    ];

    public static IReadOnlyList<string> OverdueSteps(IReadOnlyList<CycleStepView> steps) => [.. steps.Where(s => s.Overdue == true).Select(s => s.Code)];

    private static async Task<IResult> GetAsync(Guid id, RequestContext request, HttpContext http, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (await LoadAsync(db, request.Tenant, id, ct) is not var (cycle, version)) return Problems.NotFound($"Update cycle {id}");
        var steps = StepViews(cycle, clock.GetUtcNow());
        http.Response.Headers.ETag = Versions.ETag(version);
        return TypedResults.Ok(new CycleResponse(cycle.Id, version, cycle.Period, cycle.Year, cycle.Status, cycle.OpenedAt, cycle.ClosedAt, steps,
            OverdueSteps(steps), OverdueVerifications(cycle, clock.GetUtcNow()), cycle.Submissions, cycle.Items, cycle.AcceptedItems));
    }

    private static async Task<IResult> GetSubmissionAsync(Guid id, Guid submissionId, RequestContext request, NpgsqlDataSource db, CancellationToken ct)
    {
        if (await LoadAsync(db, request.Tenant, id, ct) is not var (cycle, _)) return Problems.NotFound($"Update cycle {id}");
        return cycle.Submissions.FirstOrDefault(s => s.SubmissionId == submissionId) is { } submission
            ? TypedResults.Ok(submission)
            : Problems.NotFound($"Submission {submissionId}");
    }

    /// <summary>The tenant's cycles, newest first; filters <c>year</c> and <c>status</c> (open | closed).</summary>
    private static async Task<IResult> ListAsync(RequestContext request, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct,
        int? year = null, string? status = null)
    {
        if (status is not null and not ("open" or "closed")) return Problems.Invalid("status", "Must be open or closed.");
        await using var cmd = db.CreateCommand(
            """
            select version, state::text from cycles
             where tenant = $1 and ($2::int is null or year = $2) and ($3::text is null or status = $3)
             order by cycle_id desc
             limit 200
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)year ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var now = clock.GetUtcNow();
        var list = new List<CycleSummary>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var c = State(reader.GetString(1));
            list.Add(new CycleSummary(c.Id, reader.GetInt64(0), c.Period, c.Year, c.Status, c.OpenedAt, c.ClosedAt, c.Submissions.Count,
                c.Items.Count(i => i.Status == CycleItemStatus.Submitted), c.Items.Count(i => i.Status == CycleItemStatus.Accepted),
                c.Items.Count(i => i.Status == CycleItemStatus.Returned), OverdueSteps(StepViews(c, now)), OverdueVerifications(c, now).Count));
        }
        return TypedResults.Ok(list);
    }

    private static async Task<(Cycle Cycle, long Version)?> LoadAsync(NpgsqlDataSource db, string tenant, Guid id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select version, state::text from cycles where cycle_id = $1 and tenant = $2");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return (State(reader.GetString(1)), reader.GetInt64(0));
    }

    private static Cycle State(string json) =>
        JsonSerializer.Deserialize<Cycle>(json, EventJson.Options) ?? throw new InvalidOperationException("A cycles row has no state.");
}
