using System.Diagnostics;
using Npgsql;

namespace Ppid.Platform.Database;

/// <summary>
/// Commits a transaction and, when the connection fails during the COMMIT, finds out whether it
/// committed. A server that stops (a fast shutdown) may commit a transaction and end the connection
/// before its answer reaches the client: answering "unavailable" then would refuse a change that was
/// made. So the outcome is looked up: the transaction's marker row (an event it appended, whose id is
/// unique) is there, or the old server process is gone and it is not (the transaction rolled back).
/// </summary>
public static class Commits
{
    /// <summary>How long the outcome is looked for (the server may be restarting) before it is reported unknown.</summary>
    public static readonly TimeSpan ResolveWithin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Commits <paramref name="transaction"/>. When the commit fails with a transient failure:
    /// returns normally if the transaction committed after all (the event <paramref name="appendedEventId"/>
    /// is stored), rethrows the failure if it did not (or there is no event to look for), and throws
    /// <see cref="CommitOutcomeUnknownException"/> if the database cannot tell within <see cref="ResolveWithin"/>.
    /// </summary>
    public static async Task CommitAsync(NpgsqlDataSource dataSource, NpgsqlTransaction transaction, Guid? appendedEventId, CancellationToken ct)
    {
        var backend = transaction.Connection?.ProcessID ?? 0;
        try
        {
            await transaction.CommitAsync(ct);
        }
        catch (Exception e) when (DatabaseFailures.IsTransient(e) && appendedEventId is { } marker)
        {
            if (!await CommittedAsync(dataSource, marker, backend, e, ct)) throw;
        }
    }

    private static async Task<bool> CommittedAsync(NpgsqlDataSource dataSource, Guid marker, int backend, Exception failure, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var cmd = dataSource.CreateCommand(
                    "select exists (select 1 from events where event_id = $1), exists (select 1 from pg_stat_activity where pid = $2)");
                cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = marker });
                cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = backend });
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                if (reader.GetBoolean(0)) return true;
                // Still committing or rolling back (its server process runs): ask again. Gone: it rolled back.
                if (!reader.GetBoolean(1)) return false;
            }
            catch (Exception e) when (DatabaseFailures.IsTransient(e))
            {
                // Still down, or a pooled connection that died with the old server: ask again.
            }
            if (waited.Elapsed > ResolveWithin) throw new CommitOutcomeUnknownException(failure);
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }
    }
}

/// <summary>
/// The connection failed during a COMMIT and the database could not tell in time whether the
/// transaction committed: the change may or may not have been made (HTTP 503 at the edge, saying
/// so: a retry with the same Idempotency-Key answers the outcome).
/// </summary>
public sealed class CommitOutcomeUnknownException(Exception failure)
    : Exception("The connection failed during COMMIT and the database could not tell in time whether the transaction committed.", failure);
