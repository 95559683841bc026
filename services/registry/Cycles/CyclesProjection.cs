using System.Text.Json;
using Npgsql;
using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Projections;

namespace Ppid.Registry.Cycles;

/// <summary>
/// The <c>cycles</c> read model, updated in the append's transaction (inline), folded with the same
/// <see cref="Cycle.Evolve"/> the deciders use. Its unique index on (tenant, period) also stops two
/// concurrent openings of one period.
/// </summary>
public sealed class CyclesProjection(EventTypes types) : IProjection
{
    public const string PeriodConstraint = "cycles_tenant_period";

    private readonly HashSet<string> _handled = types.OfStreamType(Cycle.StreamType).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

    public string Name => "registry.cycles";

    public bool Handles(string eventType) => _handled.Contains(eventType);

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
    {
        foreach (var e in batch.Events)
        {
            var cycleId = e.Data switch
            {
                UpdateCycleOpened x => x.CycleId,
                ItemsSubmitted x => x.CycleId,
                SubmittedItemAccepted x => x.CycleId,
                SubmittedItemReturned x => x.CycleId,
                CollectionClosed x => x.CycleId,
                _ => throw new InvalidOperationException($"The cycles projection does not handle {e.Stored.Type}."),
            };
            var state = Cycle.Initial;
            if (e.Data is not UpdateCycleOpened)
            {
                await using var read = new NpgsqlCommand("select state::text from cycles where cycle_id = $1 for update", batch.Connection, batch.Transaction);
                read.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cycleId });
                var json = await read.ExecuteScalarAsync(ct) as string
                    ?? throw new InvalidOperationException($"The cycles read model has no row for cycle {cycleId} at version {e.StreamVersion}: rebuild it.");
                state = JsonSerializer.Deserialize<Cycle>(json, EventJson.Options)!;
            }
            state = Cycle.Evolve(state, e.Data);
            await using var write = new NpgsqlCommand(
                """
                insert into cycles (cycle_id, tenant, period, year, status, version, opened_at, updated_at, state)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
                on conflict (cycle_id) do update set status = excluded.status, version = excluded.version,
                    updated_at = excluded.updated_at, state = excluded.state
                """, batch.Connection, batch.Transaction);
            write.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cycleId });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Tenant });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state.Period });
            write.Parameters.Add(new NpgsqlParameter<int> { TypedValue = state.Year });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StatusName(state.Status) });
            write.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
            write.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = state.OpenedAt });
            write.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = e.Stored.RecordedAt });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(state, EventJson.Options) });
            await write.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("delete from cycles", connection, transaction);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static string StatusName(CycleStatus status) => status switch
    {
        CycleStatus.Open => "open",
        CycleStatus.Closed => "closed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "A cycle in the read model is opened."),
    };
}
