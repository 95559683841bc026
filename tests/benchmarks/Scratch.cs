using Npgsql;
using Ppid.Testing;

namespace Ppid.Benchmarks;

/// <summary>
/// Cleanup of a section's scratch database that never costs the section its results: dropping a
/// database can fail for a moment (an autovacuum worker on the freshly loaded tables cannot be
/// terminated by the test role), so it is retried, and a database still left is only reported.
/// </summary>
internal static class Scratch
{
    public static async Task DropAsync(PostgresDatabase database, Action<string> log)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await database.DisposeAsync();
                return;
            }
            catch (PostgresException e) when (attempt < 5)
            {
                log($"dropping {database.Name}: {e.MessageText}; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
            catch (PostgresException e)
            {
                log($"warning: database {database.Name} left in place: {e.MessageText}");
                return;
            }
        }
    }

    /// <summary>Stops an upstream's forwarder and drops its database; a database that cannot be dropped is retried as above.</summary>
    public static async Task StopAsync(UpstreamService upstream, Action<string> log)
    {
        try
        {
            await upstream.DisposeAsync();
        }
        catch (PostgresException e)
        {
            log($"dropping {upstream.Database.Name}: {e.MessageText}; retrying");
            await DropAsync(upstream.Database, log);
        }
    }
}
