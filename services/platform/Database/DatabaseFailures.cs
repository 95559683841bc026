using System.Net.Sockets;
using Npgsql;

namespace Ppid.Platform.Database;

/// <summary>
/// Tells a database that is unreachable for now (down, restarting, out of connections) from a
/// request the database refused: the first is answered 503 with Retry-After, the second stays a 500.
/// </summary>
public static class DatabaseFailures
{
    /// <summary>
    /// True when <paramref name="exception"/>, or one inside it, says the database cannot be reached
    /// or is restarting: a connection that failed or broke (Npgsql's transient errors: I/O, socket,
    /// timeout, pool exhaustion), or the server saying so (SQLSTATE class 08 connection exceptions,
    /// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections).
    /// Any other server error (a constraint, a deadlock, a bug in SQL) is not transient here.
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException p:
                    return IsTransient(p.SqlState);
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                    return true;
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Any(IsTransient);
            }
        }
        return false;
    }

    /// <summary>The SQLSTATEs of a server that is going away, starting up or full.</summary>
    public static bool IsTransient(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections;
}
