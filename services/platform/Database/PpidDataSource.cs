using System.Data;
using Npgsql;

namespace Ppid.Platform.Database;

/// <summary>The one way the suite opens PostgreSQL, so services, tests and benchmarks run with the same settings.</summary>
public static class PpidDataSource
{
    /// <summary>
    /// Two pool settings, unless the connection string sets them itself:
    /// <list type="bullet">
    /// <item>Auto-prepared statements (<c>Max Auto Prepare</c>). Npgsql's <c>DISCARD ALL</c> reset would
    /// also drop the cached plans of <c>ppid_append</c>'s PL/pgSQL statements; auto-prepared
    /// connections keep their plans across pool returns: appends cost about a third less PostgreSQL
    /// CPU (docs/benchmarks.md).</item>
    /// <item><c>No Reset On Close</c>. Even with prepared statements kept, the reset is seven statements
    /// (<c>CLOSE ALL</c>, <c>UNLISTEN *</c>, <c>pg_advisory_unlock_all()</c>, <c>DISCARD SEQUENCES</c>,
    /// <c>DISCARD TEMP</c>, <c>RESET ALL</c>, <c>SET SESSION AUTHORIZATION DEFAULT</c>) sent with the
    /// next command of every connection taken from the pool: under the SOP load about 280,000 of the
    /// server's 390,000 statements. The suite keeps no session state on pooled connections except in
    /// the few places that hold a session advisory lock or LISTEN, and those give their connection
    /// back through <see cref="ReleaseSessionAsync"/>.</item>
    /// </list>
    /// </summary>
    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 32;
            builder.AutoPrepareMinUsages = 2;
        }
        if (!connectionString.Contains("No Reset On Close", StringComparison.OrdinalIgnoreCase)) builder.NoResetOnClose = true;
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>
    /// Leadership among a service's instances: an open connection holding the session advisory lock
    /// named <paramref name="name"/> (key <c>hashtextextended(name, 0)</c>, so SQL can name it too), or
    /// null, with the connection given back, while another session holds it. The holder gives the
    /// connection back through <see cref="ReleaseSessionAsync"/>; if its process dies, the lock ends
    /// with its connection and another instance takes it.
    /// </summary>
    public static async Task<NpgsqlConnection?> TryTakeSessionLockAsync(NpgsqlDataSource dataSource, string name, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            await using var take = new NpgsqlCommand("select pg_try_advisory_lock(hashtextextended($1, 0))", connection);
            take.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            if ((bool)(await take.ExecuteScalarAsync(ct))!) return connection;
            await connection.DisposeAsync(); // no lock taken: no session state to end
            return null;
        }
        catch
        {
            await ReleaseSessionAsync(connection); // the lock may have been taken as the answer was lost
            throw;
        }
    }

    /// <summary>
    /// Gives back a connection that held session state (a session advisory lock, LISTEN): ends it
    /// (<c>pg_advisory_unlock_all()</c>, <c>UNLISTEN *</c>), then closes the connection into the pool.
    /// If that cannot be done on a connection that still looks open, the pool is cleared, which
    /// closes this connection for good instead of handing its state to the next user.
    /// </summary>
    public static async Task ReleaseSessionAsync(NpgsqlConnection connection)
    {
        try
        {
            if (connection.FullState == ConnectionState.Open)
            {
                await using var cmd = new NpgsqlCommand("select pg_advisory_unlock_all(); unlisten *", connection);
                await cmd.ExecuteNonQueryAsync();
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
        {
            NpgsqlConnection.ClearPool(connection);
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }
}
