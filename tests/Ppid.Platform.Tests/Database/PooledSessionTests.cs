using Npgsql;
using Ppid.Platform.Database;
using Ppid.Testing;

namespace Ppid.Platform.Tests.Database;

/// <summary>
/// The suite's pool does not reset connections (PpidDataSource: No Reset On Close), so session
/// state goes back into the pool with a connection unless its user ends it. These pin both halves:
/// the hazard is real, and <see cref="PpidDataSource.ReleaseSessionAsync"/> ends the state.
/// </summary>
public sealed class PooledSessionTests : IAsyncLifetime
{
    private PostgresDatabase _db = null!;

    public async Task InitializeAsync() => _db = await PostgresDatabase.CreateAsync("ppid_pool");

    public async Task DisposeAsync() => await _db.DisposeAsync();

    /// <summary>A pool of one connection: what one user leaves on it, the next one gets.</summary>
    private NpgsqlDataSource PoolOfOne() =>
        PpidDataSource.Create(new NpgsqlConnectionStringBuilder(_db.ConnectionString) { MaxPoolSize = 1 }.ConnectionString);

    private async Task<bool> SomeoneElseCanLockAsync(long key)
    {
        await using var other = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_db.ConnectionString) { Pooling = false }.ConnectionString);
        await other.OpenAsync();
        await using var cmd = new NpgsqlCommand("select pg_try_advisory_lock($1)", other);
        cmd.Parameters.AddWithValue(key);
        return (bool)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task LockAsync(NpgsqlConnection connection, long key)
    {
        await using var cmd = new NpgsqlCommand("select pg_advisory_lock($1)", connection);
        cmd.Parameters.AddWithValue(key);
        await cmd.ExecuteScalarAsync();
    }

    [Fact]
    public async Task A_session_lock_closed_into_the_pool_stays_held_there()
    {
        await using var pool = PoolOfOne();
        var key = Random.Shared.NextInt64();
        await using (var connection = await pool.OpenConnectionAsync()) await LockAsync(connection, key);

        (await SomeoneElseCanLockAsync(key)).ShouldBeFalse("the pool kept the session, lock and all (no reset on close)");
    }

    [Fact]
    public async Task ReleaseSessionAsync_ends_locks_and_listening_before_the_pool_takes_the_connection_back()
    {
        await using var pool = PoolOfOne();
        var key = Random.Shared.NextInt64();
        var connection = await pool.OpenConnectionAsync();
        await LockAsync(connection, key);
        await using (var listen = new NpgsqlCommand("listen ppid_pool_test", connection)) await listen.ExecuteNonQueryAsync();
        await PpidDataSource.ReleaseSessionAsync(connection);

        (await SomeoneElseCanLockAsync(key)).ShouldBeTrue("the lock ended with ReleaseSessionAsync");
        await using var next = await pool.OpenConnectionAsync(); // the same physical connection: a pool of one
        await using var channels = new NpgsqlCommand("select count(*) from pg_listening_channels()", next);
        ((long)(await channels.ExecuteScalarAsync())!).ShouldBe(0, "no LISTEN left on the pooled connection");
    }
}
