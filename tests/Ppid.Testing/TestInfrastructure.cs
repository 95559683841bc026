using Npgsql;

namespace Ppid.Testing;

/// <summary>
/// Where the tests find PostgreSQL and RabbitMQ: the environment (set by tests/run.sh), else the
/// development defaults of deploy/local/infra.sh. Nothing here falls back to a substitute.
/// </summary>
public static class TestInfrastructure
{
    public const string HowToStart = "Start them with `deploy/local/infra.sh start` (as root), or run all tests with `tests/run.sh`.";

    public static string Postgres =>
        Environment.GetEnvironmentVariable("PPID_TEST_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=ppid;Password=ppid-dev-password";

    public static Uri RabbitMq =>
        new(Environment.GetEnvironmentVariable("PPID_TEST_RABBITMQ") ?? "amqp://ppid:ppid-dev-password@127.0.0.1:5672/");

    public static Uri RabbitMqManagement =>
        new(Environment.GetEnvironmentVariable("PPID_TEST_RABBITMQ_MANAGEMENT") ?? "http://ppid:ppid-dev-password@127.0.0.1:15672/");

    public static string UniqueName(string prefix) =>
        $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 1 + 16, prefix.Length + 33)].ToLowerInvariant();
}

/// <summary>A fresh database for one test class; dropped afterwards.</summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly string _admin;

    private PostgresDatabase(string name, string connectionString, NpgsqlDataSource dataSource, string admin)
    {
        Name = name;
        ConnectionString = connectionString;
        DataSource = dataSource;
        _admin = admin;
    }

    public string Name { get; }
    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Creates the database on <paramref name="infrastructure"/>'s server (default: <see cref="Infrastructure.Shared"/>).</summary>
    public static async Task<PostgresDatabase> CreateAsync(string prefix = "ppid_test", Infrastructure? infrastructure = null)
    {
        infrastructure ??= Infrastructure.Shared;
        var name = TestInfrastructure.UniqueName(prefix);
        var admin = new NpgsqlConnectionStringBuilder(infrastructure.Postgres) { Database = "postgres", Pooling = false }.ConnectionString;
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(admin);
            await using var cmd = dataSource.CreateCommand($"create database \"{name}\"");
            await cmd.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException e)
        {
            throw new InvalidOperationException($"Cannot reach PostgreSQL at {infrastructure.PostgresForDisplay}: {e.Message}. {TestInfrastructure.HowToStart}", e);
        }
        var connectionString = new NpgsqlConnectionStringBuilder(infrastructure.Postgres) { Database = name, MaxPoolSize = 50 }.ConnectionString;
        return new PostgresDatabase(name, connectionString, Ppid.Platform.Database.PpidDataSource.Create(connectionString), admin);
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        // For a post-mortem of a failed test: PPID_TEST_KEEP_DB=1 leaves the database in place.
        if (Environment.GetEnvironmentVariable("PPID_TEST_KEEP_DB") == "1") return;
        await using var admin = NpgsqlDataSource.Create(_admin);
        await using var cmd = admin.CreateCommand($"drop database if exists \"{Name}\" with (force)");
        await cmd.ExecuteNonQueryAsync();
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void Set(DateTimeOffset instant) => _now = instant;
}
