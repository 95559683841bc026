using System.Text.Json;
using Npgsql;
using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Projections;

namespace Ppid.Registry.Items;

/// <summary>
/// The <c>items</c> read model, updated in the append's transaction (inline), so a command's
/// answer and the next list or detail read agree. Each event is folded with the same
/// <see cref="InformationItem.Evolve"/> the deciders use, onto the row's stored state.
/// </summary>
public sealed class ItemsProjection(EventTypes types) : IProjection
{
    private readonly HashSet<string> _handled = types.OfStreamType(InformationItem.StreamType).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

    public string Name => "registry.items";

    public bool Handles(string eventType) => _handled.Contains(eventType);

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
    {
        foreach (var e in batch.Events)
        {
            var itemId = e.Data switch
            {
                InformationItemRegistered x => x.ItemId,
                InformationItemRevised x => x.ItemId,
                DocumentAttached x => x.ItemId,
                DocumentDetached x => x.ItemId,
                InformationItemWithdrawn x => x.ItemId,
                InformationItemReinstated x => x.ItemId,
                _ => throw new InvalidOperationException($"The items projection does not handle {e.Stored.Type}."),
            };
            var state = InformationItem.Initial;
            if (e.Data is not InformationItemRegistered)
            {
                await using var read = new NpgsqlCommand("select state::text from items where item_id = $1 for update", batch.Connection, batch.Transaction);
                read.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = itemId });
                var json = await read.ExecuteScalarAsync(ct) as string
                    ?? throw new InvalidOperationException($"The items read model has no row for item {itemId} at version {e.StreamVersion}: rebuild it.");
                state = JsonSerializer.Deserialize<InformationItem>(json, EventJson.Options)!;
            }
            state = InformationItem.Evolve(state, e.Data);
            await using var write = new NpgsqlCommand(
                """
                insert into items (item_id, tenant, holding_unit, status, title, summary, version, updated_at, state)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
                on conflict (item_id) do update set holding_unit = excluded.holding_unit, status = excluded.status, title = excluded.title,
                    summary = excluded.summary, version = excluded.version, updated_at = excluded.updated_at, state = excluded.state
                """, batch.Connection, batch.Transaction);
            write.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = itemId });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Tenant });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state.Details!.HoldingUnit });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StatusName(state.Status) });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state.Details.Title });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state.Details.Summary });
            write.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
            write.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = state.UpdatedAt });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(state, EventJson.Options) });
            await write.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("delete from items", connection, transaction);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static string StatusName(ItemStatus status) => status switch
    {
        ItemStatus.Active => "active",
        ItemStatus.Withdrawn => "withdrawn",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "An item in the read model is registered."),
    };
}
