using Npgsql;

namespace Ppid.Publication.Site;

/// <summary>
/// Per tenant: a version that moves whenever what the public sees changes. It is the ETag of
/// every public page and part of the output cache key, so all instances serve fresh pages even
/// though each evicts only its own cache.
/// </summary>
public static class SiteState
{
    public sealed record State(long Version, DateTimeOffset ChangedAt);

    public static async Task EnsureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, DateTimeOffset at, CancellationToken ct)
    {
        // "where not exists" first: a plain insert … on conflict do nothing waits for every open
        // transaction that bumped the tenant's row (the conflict must be decided), which made every
        // catalog event of a tenant queue behind that tenant's publications.
        await using var cmd = new NpgsqlCommand(
            """
            insert into site_state (tenant, version, changed_at) select $1, 1, $2
             where not exists (select 1 from site_state where tenant = $1)
            on conflict (tenant) do nothing
            """, connection, transaction);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task BumpAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, DateTimeOffset at, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            insert into site_state (tenant, version, changed_at) values ($1, 1, $2)
            on conflict (tenant) do update set version = site_state.version + 1, changed_at = greatest(site_state.changed_at, excluded.changed_at)
            """, connection, transaction);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The tenant's state, or null for a tenant publication has never heard of.</summary>
    public static async Task<State?> GetAsync(NpgsqlDataSource dataSource, string tenant, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select version, changed_at from site_state where tenant = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new State(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1)) : null;
    }
}
