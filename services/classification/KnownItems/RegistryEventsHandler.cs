using Npgsql;
using Ppid.Classification.Classifications;
using Ppid.Contracts.Registry;
using Ppid.Platform.Messaging;

namespace Ppid.Classification.KnownItems;

/// <summary>
/// Keeps what classification needs of the registry: each item's title, kind (Pasal 18) and whether
/// it is withdrawn (<c>known_items</c>), and the items each closed collection accepted (<c>worklist</c>).
/// Runs on the consumer's transaction, so each event has its effect once, in stream order.
/// </summary>
public sealed class RegistryEventsHandler : IEventHandler
{
    public const string Queue = "classification.registry";

    public async Task HandleAsync(IncomingEvent e, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        switch (e.Data)
        {
            case InformationItemRegistered x:
                await ExecuteAsync(connection, transaction,
                    """
                    insert into known_items (tenant, item_id, title, kind, withdrawn, version) values ($1, $2, $3, $4, false, $5)
                    on conflict (tenant, item_id) do update set title = excluded.title, kind = excluded.kind, version = excluded.version
                    """,
                    [e.Tenant, x.ItemId, x.Title, Wire.Name(x.Kind), e.StreamVersion], ct);
                break;
            case InformationItemRevised x:
                await ExecuteAsync(connection, transaction,
                    "update known_items set title = coalesce($3, title), kind = coalesce($4, kind), version = $5 where tenant = $1 and item_id = $2",
                    [e.Tenant, x.ItemId, x.Title, x.Kind is { } kind ? Wire.Name(kind) : null, e.StreamVersion], ct);
                break;
            case InformationItemWithdrawn x:
                await ExecuteAsync(connection, transaction,
                    "update known_items set withdrawn = true, version = $3 where tenant = $1 and item_id = $2", [e.Tenant, x.ItemId, e.StreamVersion], ct);
                break;
            case InformationItemReinstated x:
                await ExecuteAsync(connection, transaction,
                    "update known_items set withdrawn = false, version = $3 where tenant = $1 and item_id = $2", [e.Tenant, x.ItemId, e.StreamVersion], ct);
                break;
            case CollectionClosed x:
                foreach (var item in x.AcceptedItems)
                {
                    await ExecuteAsync(connection, transaction,
                        """
                        insert into worklist (tenant, cycle_id, period, item_id, item_version, holding_unit, closed_at) values ($1, $2, $3, $4, $5, $6, $7)
                        on conflict (tenant, cycle_id, item_id) do nothing
                        """,
                        [e.Tenant, x.CycleId, x.Period, item.ItemId, item.ItemVersion, item.HoldingUnit, x.ClosedAt.ToUniversalTime()], ct);
                }
                break;
            default:
                // Documents attached or detached, other cycle steps: nothing classification needs.
                break;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, object?[] values, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values) cmd.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>What a proposal needs to know about its item.</summary>
public sealed record KnownItem(Guid ItemId, string Title, DocumentKind Kind, bool Withdrawn);

public static class KnownItemsQueries
{
    public static async Task<KnownItem?> FindAsync(NpgsqlDataSource db, string tenant, Guid itemId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select title, kind, withdrawn from known_items where tenant = $1 and item_id = $2");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = itemId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        if (!Wire.TryParse<DocumentKind>(reader.GetString(1), out var kind)) throw new InvalidOperationException($"Unknown document kind '{reader.GetString(1)}' in known_items.");
        return new KnownItem(itemId, reader.GetString(0), kind, reader.GetBoolean(2));
    }
}
