using MassTransit;
using Npgsql;
using Ppid.Contracts;
using Ppid.Platform.Database;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Projections;
using Ppid.Testing;

namespace Ppid.Platform.Tests;

[MessageUrn("test.account-opened.v1"), StreamType("test.account")]
public sealed record AccountOpened(string AccountId, string Owner, DateTimeOffset OpenedAt);

[MessageUrn("test.money-deposited.v1"), StreamType("test.account")]
public sealed record MoneyDeposited(string AccountId, decimal Amount, string? Note = null);

[MessageUrn("test.account-renamed.v2"), StreamType("test.account"), SchemaVersion(2)]
public sealed record AccountRenamed(string AccountId, string GivenName, string FamilyName);

public sealed record Account(string Id, string Owner, decimal Balance, int Deposits)
{
    public static readonly Account Empty = new("", "", 0, 0);

    public static Account Evolve(Account state, object e) => e switch
    {
        AccountOpened o => state with { Id = o.AccountId, Owner = o.Owner },
        MoneyDeposited d => state with { Balance = state.Balance + d.Amount, Deposits = state.Deposits + 1 },
        AccountRenamed r => state with { Owner = $"{r.GivenName} {r.FamilyName}" },
        _ => state,
    };
}

/// <summary>A fresh, migrated database per test class.</summary>
public sealed class EventStoreDatabase : IAsyncLifetime
{
    public static readonly MigrationSource[] Migrations = [Ppid.Platform.EventSourcing.PlatformMigrations.EventStore, new("tests", typeof(EventStoreDatabase).Assembly, "Migrations")];

    public PostgresDatabase Database { get; private set; } = null!;
    public NpgsqlDataSource DataSource => Database.DataSource;
    public static readonly Type[] TestEvents = [typeof(AccountOpened), typeof(MoneyDeposited), typeof(AccountRenamed)];

    public EventTypes Types { get; } = new(TestEvents);

    public EventStore Store(TimeProvider? clock = null, params IProjection[] inline) =>
        new(DataSource, Types, clock ?? TimeProvider.System, inline);

    public async Task InitializeAsync()
    {
        Database = await PostgresDatabase.CreateAsync("ppid_platform");
        await Migrator.MigrateAsync(DataSource, Migrations);
    }

    public async Task DisposeAsync() => await Database.DisposeAsync();
}

public static class Meta
{
    public static EventMetadata For(string tenant = "tenant-a") =>
        new(tenant, "officer-1", "petugas", "test-suite", Guid.NewGuid().ToString(), null);
}
