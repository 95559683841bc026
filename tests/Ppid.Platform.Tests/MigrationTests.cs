using Ppid.Platform.Database;
using Ppid.Testing;

namespace Ppid.Platform.Tests;

public sealed class MigrationTests
{
    [Fact]
    public async Task Two_instances_starting_at_once_apply_each_migration_exactly_once()
    {
        await using var database = await PostgresDatabase.CreateAsync("ppid_migrate");
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Migrator.MigrateAsync(database.DataSource, EventStoreDatabase.Migrations))));

        results.Sum(r => r.Count).ShouldBe(EventStoreDatabase.Migrations.Sum(s => s.Load().Count));
        (await Migrator.PendingAsync(database.DataSource, EventStoreDatabase.Migrations)).ShouldBeEmpty();
        await using var cmd = database.DataSource.CreateCommand("select count(*) from schema_migrations");
        ((long)(await cmd.ExecuteScalarAsync())!).ShouldBe(EventStoreDatabase.Migrations.Sum(s => s.Load().Count));
    }

    [Fact]
    public async Task A_fresh_database_reports_every_migration_pending()
    {
        await using var database = await PostgresDatabase.CreateAsync("ppid_migrate");
        (await Migrator.PendingAsync(database.DataSource, EventStoreDatabase.Migrations)).Count.ShouldBe(EventStoreDatabase.Migrations.Sum(s => s.Load().Count));
    }

    [Fact]
    public async Task The_idempotency_table_is_indexed_by_age_so_expired_answers_are_found_without_a_scan()
    {
        await using var database = await PostgresDatabase.CreateAsync("ppid_migrate");
        await Migrator.MigrateAsync(database.DataSource, EventStoreDatabase.Migrations);

        await using var cmd = database.DataSource.CreateCommand(
            "select indexdef from pg_indexes where tablename = 'idempotency' and indexname = 'idempotency_created_at'");
        ((string?)await cmd.ExecuteScalarAsync()).ShouldNotBeNull().ShouldContain("(created_at)");
    }
}
