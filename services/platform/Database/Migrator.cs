using System.Reflection;
using System.Text.RegularExpressions;
using Npgsql;

namespace Ppid.Platform.Database;

/// <summary>
/// A set of versioned SQL scripts embedded in an assembly, e.g. the event store's or a
/// service's read models. Scripts are named <c>NNNN_description.sql</c> and apply in order.
/// </summary>
public sealed partial record MigrationSource(string Name, Assembly Assembly, string ResourceFolder)
{
    public IReadOnlyList<Migration> Load()
    {
        var prefix = $"{Assembly.GetName().Name}.{ResourceFolder.Replace('/', '.')}.";
        var migrations = new List<Migration>();
        foreach (var resource in Assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var fileName = resource[prefix.Length..];
            var match = ScriptName().Match(fileName);
            if (!match.Success)
                throw new InvalidOperationException($"Migration '{resource}' is not named NNNN_description.sql.");
            using var stream = Assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(Name, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), fileName, reader.ReadToEnd()));
        }
        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Migration source '{Name}' has two scripts numbered {duplicate.Key}.");
        return migrations.OrderBy(m => m.Version).ToList();
    }

    [GeneratedRegex(@"^(\d{4})_[A-Za-z0-9_\-]+\.sql$")]
    private static partial Regex ScriptName();
}

public sealed record Migration(string Source, int Version, string Name, string Sql);

/// <summary>
/// Applies pending migrations in one transaction under an advisory lock, so that two instances
/// starting at once apply each script exactly once (the second waits, then finds nothing to do).
/// </summary>
public static class Migrator
{
    private const long MigrationLockKey = 0x5050_4944_4D49_4752; // "PPIDMIGR"

    public static async Task<IReadOnlyList<Migration>> MigrateAsync(NpgsqlDataSource dataSource, IEnumerable<MigrationSource> sources, CancellationToken ct = default)
    {
        var all = sources.SelectMany(s => s.Load()).ToList();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand(
            """
            select pg_advisory_xact_lock(@key);
            create table if not exists schema_migrations (
                source text not null, version int not null, name text not null,
                applied_at timestamptz not null default now(), primary key (source, version));
            """, connection, tx))
        {
            cmd.Parameters.AddWithValue("key", MigrationLockKey);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        var applied = await AppliedAsync(connection, tx, ct);
        var pending = all.Where(m => !applied.Contains((m.Source, m.Version))).ToList();
        foreach (var migration in pending)
        {
            await using var cmd = new NpgsqlCommand(migration.Sql, connection, tx);
            try
            {
                await cmd.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException e)
            {
                throw new InvalidOperationException($"Migration {migration.Source}/{migration.Name} failed: {e.MessageText}", e);
            }
            await using var record = new NpgsqlCommand("insert into schema_migrations (source, version, name) values (@s, @v, @n)", connection, tx);
            record.Parameters.AddWithValue("s", migration.Source);
            record.Parameters.AddWithValue("v", migration.Version);
            record.Parameters.AddWithValue("n", migration.Name);
            await record.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return pending;
    }

    /// <summary>Migrations known to the code but not applied to the database (readiness fails while any are).</summary>
    public static async Task<IReadOnlyList<Migration>> PendingAsync(NpgsqlDataSource dataSource, IEnumerable<MigrationSource> sources, CancellationToken ct = default)
    {
        var all = sources.SelectMany(s => s.Load()).ToList();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var exists = new NpgsqlCommand("select to_regclass('schema_migrations') is not null", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!) return all;
        }
        var applied = await AppliedAsync(connection, null, ct);
        return all.Where(m => !applied.Contains((m.Source, m.Version))).ToList();
    }

    private static async Task<HashSet<(string, int)>> AppliedAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, CancellationToken ct)
    {
        var applied = new HashSet<(string, int)>();
        await using var cmd = new NpgsqlCommand("select source, version from schema_migrations", connection, tx);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) applied.Add((reader.GetString(0), reader.GetInt32(1)));
        return applied;
    }
}
