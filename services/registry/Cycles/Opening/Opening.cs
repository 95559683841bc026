using Npgsql;
using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Registry.Cycles.TimeStandards;

namespace Ppid.Registry.Cycles.Opening;

public sealed record OpenUpdateCycle(Guid CycleId, string Period, int Year, IReadOnlyList<CycleStep> Steps);

public sealed record OpenCycleRequest(string? Period, int? Year);

public static class OpenDecider
{
    /// <param name="periodTaken">Whether the tenant already has a cycle for this period (from the read model).</param>
    public static Decision Decide(Cycle state, OpenUpdateCycle command, bool periodTaken, DateTimeOffset now) =>
        state.Status != CycleStatus.None ? Decision.Refuse("cycle-exists", $"Update cycle {command.CycleId} is already open.")
        : periodTaken ? Decision.Refuse("period-exists", $"There is already an update cycle for the period '{command.Period}'.")
        : command.Steps.Count == 0 ? Decision.Refuse("no-steps", "The SOP profile has no steps.")
        : Decision.Accept(new UpdateCycleOpened(command.CycleId, command.Period, command.Year, command.Steps, now));
}

/// <summary>Opening a DIP update cycle (PPID or secretariat): its steps' due dates come from the tenant's SOP profile on its working-day calendar.</summary>
public static class OpeningEndpoint
{
    public const int PeriodMax = 100;

    public static RouteGroupBuilder MapOpening(this RouteGroupBuilder group)
    {
        group.MapPost("/cycles", OpenAsync);
        return group;
    }

    private static async Task<IResult> OpenAsync(OpenCycleRequest body, RequestContext request, HttpContext http, Commands commands, NpgsqlDataSource db,
        TimeProvider clock, CancellationToken ct)
    {
        if (CycleCommands.RequireRole(request, Roles.Ppid, Roles.Sekretariat) is { } forbidden) return forbidden;
        var errors = new ValidationErrors();
        var period = errors.Required("period", body.Period, PeriodMax);
        if (body.Year is not { } year) errors.Add("year", "Required.");
        else if (year is < 2000 or > 2100) errors.Add("year", "Between 2000 and 2100.");
        if (errors.Any) return Problems.Invalid(errors);
        try
        {
            return await commands.RunAsync(http, request, body, async token =>
            {
                var now = clock.GetUtcNow();
                var (steps, _) = await TimeStandardsApi.LoadProfileAsync(db, request.Tenant, token);
                var (calendar, _) = await TimeStandardsApi.LoadCalendarAsync(db, request.Tenant, token);
                var cycleId = Guid.CreateVersion7(now);
                var command = new OpenUpdateCycle(cycleId, period!, body.Year!.Value, SopProfile.Schedule(steps, calendar, now));
                var decision = OpenDecider.Decide(Cycle.Initial, command, await PeriodTakenAsync(db, request.Tenant, period!, token), now);
                if (decision.Error is { } error) return new Failed(Problems.Refused(error));
                return new Pending(Cycle.StreamId(cycleId), Cycle.StreamType, ExpectedVersion.NoStream, 0, decision.Events, StatusCodes.Status201Created,
                    version => new CycleChanged(cycleId, version), $"/api/v1/registry/cycles/{cycleId}");
            }, ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == CyclesProjection.PeriodConstraint)
        {
            // Two requests opened the same period at once: the read model's unique index let one through.
            return Problems.Refused(new DomainError("period-exists", $"There is already an update cycle for the period '{period}'."));
        }
    }

    private static async Task<bool> PeriodTakenAsync(NpgsqlDataSource db, string tenant, string period, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select exists (select 1 from cycles where tenant = $1 and lower(period) = lower($2))");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = period });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
