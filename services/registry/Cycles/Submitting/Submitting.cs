using System.Globalization;
using Npgsql;
using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Registry.Cycles.TimeStandards;
using Ppid.Registry.Items;
using Ppid.Registry.ReferenceData;

namespace Ppid.Registry.Cycles.Submitting;

/// <param name="VerifyDueAt">When verification is due by the tenant's SOP, counted from the hand-over.</param>
public sealed record SubmitItems(Guid CycleId, Guid SubmissionId, string Unit, IReadOnlyList<SubmittedItem> Items, DateTimeOffset? VerifyDueAt);

public sealed record SubmitRequest(string? Unit, IReadOnlyList<Guid>? ItemIds);

/// <summary>The receipt (tanda terima) a unit gets for a submission; <see cref="Version"/> is the cycle's version after it.</summary>
public sealed record Receipt(Guid CycleId, Guid SubmissionId, string ReceiptNumber, string Unit, IReadOnlyList<SubmittedItem> Items, DateTimeOffset SubmittedAt,
    DateTimeOffset? VerifyDueAt, long Version);

public static class SubmitDecider
{
    /// <summary>New items and items returned for correction may be handed over; an item awaiting verification or accepted may not.</summary>
    public static Decision Decide(Cycle state, SubmitItems command, string receiptNumber, DateTimeOffset now)
    {
        if (state.Status == CycleStatus.None) return Decision.Refuse("cycle-not-open", $"Update cycle {command.CycleId} is not open.");
        if (state.Status == CycleStatus.Closed) return Decision.Refuse("cycle-closed", $"Collection for '{state.Period}' is closed: no more submissions.");
        foreach (var item in command.Items)
        {
            switch (state.Item(item.ItemId)?.Status)
            {
                case CycleItemStatus.Submitted:
                    return Decision.Refuse("item-awaiting-verification", $"Item {item.ItemId} was submitted already and awaits verification.");
                case CycleItemStatus.Accepted:
                    return Decision.Refuse("item-accepted", $"Item {item.ItemId} was accepted already in this cycle.");
            }
        }
        return Decision.Accept(new ItemsSubmitted(command.CycleId, command.SubmissionId, receiptNumber, command.Unit, command.Items, now, command.VerifyDueAt));
    }

    /// <summary>TT/2027/0001: the year and the tenant's sequence number in that year.</summary>
    public static string ReceiptNumber(int year, int sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"TT/{year}/{sequence:D4}");
}

/// <summary>
/// A unit hands items over into a cycle and gets a receipt. The receipt number comes from a counter
/// row per (tenant, year) updated in the append's own transaction (<see cref="Pending.InTransaction"/>):
/// a failed append rolls the number back (no gaps), the row lock orders concurrent submissions (no
/// duplicates), and an idempotent retry answers the stored receipt (no second number).
/// </summary>
public static class SubmittingEndpoint
{
    public const int MaxItems = 500;

    public static RouteGroupBuilder MapSubmitting(this RouteGroupBuilder group)
    {
        group.MapPost("/cycles/{id:guid}/submissions", SubmitAsync);
        return group;
    }

    private static async Task<IResult> SubmitAsync(Guid id, SubmitRequest body, RequestContext request, HttpContext http, Commands commands, EventStore store,
        NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (CycleCommands.RequireRole(request, Roles.UnitKerja, Roles.Petugas) is { } forbidden) return forbidden;
        var errors = new ValidationErrors();
        var unit = errors.Required("unit", body.Unit, ItemValidation.NameMax);
        if (body.ItemIds is null || body.ItemIds.Count == 0) errors.Add("itemIds", "At least one item.");
        else if (body.ItemIds.Count > MaxItems) errors.Add("itemIds", $"At most {MaxItems} items per submission.");
        else
        {
            var seen = new HashSet<Guid>();
            for (var i = 0; i < body.ItemIds.Count; i++)
                if (!seen.Add(body.ItemIds[i])) errors.Add($"itemIds[{i}]", "Listed twice.");
        }
        if (errors.Any) return Problems.Invalid(errors);

        return await commands.RunAsync(http, request, body, async token =>
        {
            var now = clock.GetUtcNow();
            var loaded = await store.LoadCycleAsync(request.Tenant, id, token);
            if (loaded is null) return new Failed(Problems.NotFound($"Update cycle {id}"));
            if (!(await ReferenceDataApi.KnownCodesAsync(db, request.Tenant, token)).Units.Contains(unit!))
                errors.Add("unit", $"Unknown unit '{unit}': define it under /units first.");
            var items = new List<SubmittedItem>();
            for (var i = 0; i < body.ItemIds!.Count; i++)
            {
                var item = await store.LoadItemAsync(request.Tenant, body.ItemIds[i], token);
                if (item is null) errors.Add($"itemIds[{i}]", $"No information item {body.ItemIds[i]} in this tenant.");
                else if (item.State.Status != ItemStatus.Active) errors.Add($"itemIds[{i}]", "The item is withdrawn: reinstate it first.");
                else if (!string.Equals(item.State.Details!.HoldingUnit, unit, StringComparison.Ordinal))
                    errors.Add($"itemIds[{i}]", $"The item is held by unit '{item.State.Details.HoldingUnit}', not '{unit}'.");
                else items.Add(new SubmittedItem(item.State.Id, item.Version, item.State.Details.HoldingUnit));
            }
            if (errors.Any) return new Failed(Problems.Invalid(errors));

            var (calendar, _) = await TimeStandardsApi.LoadCalendarAsync(db, request.Tenant, token);
            var (steps, _) = await TimeStandardsApi.LoadProfileAsync(db, request.Tenant, token);
            var verify = steps.FirstOrDefault(s => s.Code == SopProfile.Verify);
            var command = new SubmitItems(id, Guid.CreateVersion7(now), unit!, items, verify is null ? null : calendar.Add(now, verify.Amount, verify.Unit));
            // Refuse before taking a number when the cycle as loaded already says no.
            if (SubmitDecider.Decide(loaded.State, command, "", now).Error is { } early) return new Failed(Problems.Refused(early));
            var year = calendar.LocalDate(now).Year;
            return new Pending(Cycle.StreamId(id), Cycle.StreamType, ExpectedVersion.Exactly(loaded.Version), loaded.Version, [], StatusCodes.Status201Created,
                _ => throw new InvalidOperationException("A submission is completed in the transaction."))
            {
                InTransaction = async (connection, tx, txToken) =>
                {
                    var receipt = SubmitDecider.ReceiptNumber(year, await NextNumberAsync(connection, tx, request.Tenant, year, txToken));
                    // Under the counter's lock and then the cycle's, load the cycle again: whatever committed meanwhile
                    // is seen, so concurrent submissions (and verifications) queue rather than conflict.
                    var current = await CycleCommands.LockAndLoadAsync(store, connection, tx, request.Tenant, id, txToken);
                    var decision = SubmitDecider.Decide(current.State, command, receipt, now);
                    if (decision.Error is { } error) return new Failed(Problems.Refused(error));
                    var submitted = (ItemsSubmitted)decision.Events[0];
                    return new Pending(Cycle.StreamId(id), Cycle.StreamType, ExpectedVersion.Exactly(current.Version), current.Version, decision.Events,
                        StatusCodes.Status201Created,
                        version => new Receipt(id, submitted.SubmissionId, receipt, submitted.Unit, submitted.Items, submitted.SubmittedAt, submitted.VerifyDueAt, version),
                        $"/api/v1/registry/cycles/{id}/submissions/{submitted.SubmissionId}");
                },
            };
        }, ct);
    }

    /// <summary>The next receipt number of (tenant, year); the row stays locked until the transaction ends, and rolls back with it.</summary>
    private static async Task<int> NextNumberAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string tenant, int year, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            insert into receipt_counters (tenant, year, last_number) values ($1, $2, 1)
            on conflict (tenant, year) do update set last_number = receipt_counters.last_number + 1
            returning last_number
            """, connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = year });
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
