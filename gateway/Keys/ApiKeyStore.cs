using System.Security.Cryptography;
using Npgsql;
using Ppid.Platform.Database;

namespace Ppid.Gateway.Keys;

/// <summary>A client system's key as stored: never the key itself, only its hash and a prefix to recognise it by.</summary>
public sealed record ApiKey(
    Guid Id, string Tenant, string ClientName, IReadOnlyList<string> Scopes, string Prefix,
    DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, Guid? ReplacedBy)
{
    public bool IsValidAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || now < ExpiresAt);

}

/// <summary>A key just made: <see cref="Secret"/> is shown once and cannot be read back.</summary>
public sealed record IssuedKey(ApiKey Key, string Secret);

/// <summary>
/// The gateway's key store in its own PostgreSQL database. Keys are 256 random bits, so a single
/// SHA-256 is enough: a slow hash (bcrypt, Argon2) protects guessable passwords, and nothing about a
/// random 256-bit key is guessable; a fast hash keeps the per-request lookup an index seek, and
/// the gateway's <see cref="ApiKeyCache"/> keeps most requests off the database altogether.
/// </summary>
public sealed class ApiKeyStore(NpgsqlDataSource dataSource, TimeProvider clock, ApiKeyCache cache)
{
    /// <summary>A store without a cache (the command-line tool: every answer straight from the database).</summary>
    public ApiKeyStore(NpgsqlDataSource dataSource, TimeProvider clock) : this(dataSource, clock, ApiKeyCache.Disabled)
    {
    }

    public static readonly MigrationSource Migrations = new("gateway", typeof(ApiKeyStore).Assembly, "Keys/Migrations");

    private const string Columns = "id, tenant, client_name, scopes, key_prefix, created_at, expires_at, revoked_at, replaced_by";

    public Task MigrateAsync(CancellationToken ct = default) => Migrator.MigrateAsync(dataSource, [Migrations], ct);

    public async Task<IssuedKey> CreateAsync(string tenant, string clientName, IReadOnlyList<string> scopes, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await InsertAsync(connection, null, tenant, clientName, scopes, ct);
    }

    /// <summary>The key a caller presented, if it exists and is neither revoked nor past its grace period.</summary>
    public ValueTask<ApiKey?> FindValidAsync(string presented, CancellationToken ct = default) => FindValidAsync(KeyHash.Of(presented), ct);

    /// <summary>The key whose SHA-256 is <paramref name="hash"/>, if valid now; from the cache when it has the answer.</summary>
    public ValueTask<ApiKey?> FindValidAsync(KeyHash hash, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        return cache.TryGet(hash, now, out var cached)
            ? ValueTask.FromResult(cached is not null && cached.IsValidAt(now) ? cached : null)
            : LookUpAsync(hash, ct);
    }

    private async ValueTask<ApiKey?> LookUpAsync(KeyHash hash, CancellationToken ct)
    {
        var generation = cache.Generation;
        await using var cmd = dataSource.CreateCommand($"select {Columns} from api_keys where key_hash = @hash");
        cmd.Parameters.AddWithValue("hash", hash.ToBytes());
        var key = (await ReadAsync(cmd, ct)).SingleOrDefault();
        var now = clock.GetUtcNow();
        var valid = key is not null && key.IsValidAt(now) ? key : null;
        cache.Add(hash, valid, now, generation);
        return valid;
    }

    /// <summary>Keys of one tenant, or of every tenant when <paramref name="tenant"/> is null (the command-line tool).</summary>
    public async Task<IReadOnlyList<ApiKey>> ListAsync(string? tenant, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"select {Columns} from api_keys where @tenant::text is null or tenant = @tenant order by created_at, id");
        cmd.Parameters.AddWithValue("tenant", NpgsqlTypes.NpgsqlDbType.Text, (object?)tenant ?? DBNull.Value);
        return await ReadAsync(cmd, ct);
    }

    public async Task<ApiKey?> GetAsync(Guid id, string? tenant, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"select {Columns} from api_keys where id = @id and (@tenant::text is null or tenant = @tenant)");
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("tenant", NpgsqlTypes.NpgsqlDbType.Text, (object?)tenant ?? DBNull.Value);
        return (await ReadAsync(cmd, ct)).SingleOrDefault();
    }

    /// <summary>
    /// A successor with the same tenant, client and scopes; the old key stays valid for
    /// <paramref name="grace"/> so the client can switch without an outage. Null when the key does
    /// not exist for this tenant; <see cref="KeyNotValidException"/> when it is revoked or expired.
    /// </summary>
    public async Task<IssuedKey?> RotateAsync(Guid id, string? tenant, TimeSpan grace, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var select = new NpgsqlCommand($"select {Columns} from api_keys where id = @id and (@tenant::text is null or tenant = @tenant) for update", connection, tx);
        select.Parameters.AddWithValue("id", id);
        select.Parameters.AddWithValue("tenant", NpgsqlTypes.NpgsqlDbType.Text, (object?)tenant ?? DBNull.Value);
        var old = (await ReadAsync(select, ct)).SingleOrDefault();
        if (old is null) return null;
        var now = clock.GetUtcNow();
        if (!old.IsValidAt(now) || old.ReplacedBy is not null) throw new KeyNotValidException(old.RevokedAt is not null ? "revoked" : old.ReplacedBy is not null ? "already rotated" : "expired");
        var issued = await InsertAsync(connection, tx, old.Tenant, old.ClientName, old.Scopes, ct);
        await using var update = new NpgsqlCommand("update api_keys set expires_at = @expires, replaced_by = @next where id = @id", connection, tx);
        update.Parameters.AddWithValue("expires", now + grace);
        update.Parameters.AddWithValue("next", issued.Key.Id);
        update.Parameters.AddWithValue("id", id);
        await update.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        cache.Evict(id); // its grace now ends; the cached entry did not know that
        return issued;
    }

    /// <summary>Revokes at once; false when the key does not exist for this tenant. Revoking twice keeps the first time.</summary>
    public async Task<bool> RevokeAsync(Guid id, string? tenant, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("update api_keys set revoked_at = coalesce(revoked_at, @now) where id = @id and (@tenant::text is null or tenant = @tenant)");
        cmd.Parameters.AddWithValue("now", clock.GetUtcNow());
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("tenant", NpgsqlTypes.NpgsqlDbType.Text, (object?)tenant ?? DBNull.Value);
        var revoked = await cmd.ExecuteNonQueryAsync(ct) == 1;
        if (revoked) cache.Evict(id);
        return revoked;
    }

    private async Task<IssuedKey> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string tenant, string clientName, IReadOnlyList<string> scopes, CancellationToken ct)
    {
        var secret = "ppid_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var key = new ApiKey(Guid.CreateVersion7(), tenant, clientName, scopes.Distinct().Order(StringComparer.Ordinal).ToList(), secret[..13],
            clock.GetUtcNow(), null, null, null);
        await using var cmd = new NpgsqlCommand(
            """
            insert into api_keys (id, tenant, client_name, scopes, key_hash, key_prefix, created_at)
            values (@id, @tenant, @client, @scopes, @hash, @prefix, @created)
            """, connection, tx);
        cmd.Parameters.AddWithValue("id", key.Id);
        cmd.Parameters.AddWithValue("tenant", key.Tenant);
        cmd.Parameters.AddWithValue("client", key.ClientName);
        cmd.Parameters.AddWithValue("scopes", key.Scopes.ToArray());
        cmd.Parameters.AddWithValue("hash", KeyHash.Of(secret).ToBytes());
        cmd.Parameters.AddWithValue("prefix", key.Prefix);
        cmd.Parameters.AddWithValue("created", key.CreatedAt);
        await cmd.ExecuteNonQueryAsync(ct);
        return new IssuedKey(key, secret);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static async Task<List<ApiKey>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var keys = new List<ApiKey>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            keys.Add(new ApiKey(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetGuid(8)));
        }
        return keys;
    }
}

public sealed class KeyNotValidException(string state) : Exception($"The key is {state} and cannot be rotated.");

/// <summary>Applies the key store's migrations before the gateway takes requests.</summary>
public sealed class KeyStoreMigration(ApiKeyStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
