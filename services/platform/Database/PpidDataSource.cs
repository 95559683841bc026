using Npgsql;

namespace Ppid.Platform.Database;

/// <summary>The one way the suite opens PostgreSQL, so services, tests and benchmarks run with the same settings.</summary>
public static class PpidDataSource
{
    /// <summary>
    /// Npgsql's pool resets a connection with <c>DISCARD ALL</c>, which also drops the cached plans of
    /// <c>ppid_append</c>'s PL/pgSQL statements, so every append would plan the function again.
    /// Auto-prepared connections keep their plans across pool returns: appends cost about a third less
    /// PostgreSQL CPU (docs/benchmarks.md). A connection string that sets these keeps its own values.
    /// </summary>
    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 32;
            builder.AutoPrepareMinUsages = 2;
        }
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }
}
