using System.Diagnostics;
using MassTransit;
using Npgsql;
using Ppid.Contracts;
using Ppid.Platform.Database;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Projections;
using Ppid.Testing;

namespace Ppid.Benchmarks;

// Realistic small events of an information item's stream: a handful of fields, ~250 bytes of JSON.

[MessageUrn("bench.item-registered.v1"), StreamType("bench.item")]
public sealed record ItemRegistered(string ItemId, string Title, string Category, string OwningUnit, DateTimeOffset RegisteredAt);

[MessageUrn("bench.item-revised.v1"), StreamType("bench.item")]
public sealed record ItemRevised(string ItemId, int Revision, string Title, string Summary, decimal Pages, DateTimeOffset RevisedAt);

internal static class Sample
{
    public const string StreamType = "bench.item";
    public const string Tenant = "pemkab-bench";

    private static readonly string[] Categories = ["berkala", "serta-merta", "setiap-saat", "dikecualikan"];
    private static readonly string[] Units = ["Dinas Pendidikan", "Bappeda", "Sekretariat Daerah", "Dinas Kesehatan", "BPKAD"];

    public static EventTypes Types() => new([typeof(ItemRegistered), typeof(ItemRevised)]);

    /// <summary>Version 1 of a stream registers the item; later versions revise it.</summary>
    public static object Event(string itemId, long version) => version == 1
        ? new ItemRegistered(itemId, $"Laporan Realisasi Anggaran {itemId[^4..]}", Categories[itemId.Length % Categories.Length],
            Units[itemId.Length % Units.Length], DateTimeOffset.UtcNow)
        : new ItemRevised(itemId, (int)version, $"Laporan Realisasi Anggaran {itemId[^4..]} (revisi {version})",
            "Ringkasan perubahan: lampiran rincian belanja per program diperbarui.", 12.5m + version, DateTimeOffset.UtcNow);

    public static string TypeName(long version) => version == 1 ? "bench.item-registered.v1" : "bench.item-revised.v1";

    public static ExpectedVersion Expected(long version) => version == 1 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(version - 1);

    public static EventMetadata Metadata() =>
        new(Tenant, "pejabat-17", "petugas", "sipd-bench", Guid.NewGuid().ToString(), null);
}

/// <summary>A fresh database with the event store's tables, dropped afterwards.</summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private BenchDatabase(PostgresDatabase database) => Database = database;

    public PostgresDatabase Database { get; }
    public NpgsqlDataSource DataSource => Database.DataSource;

    public static async Task<BenchDatabase> CreateAsync(string prefix)
    {
        var database = await PostgresDatabase.CreateAsync(prefix);
        await Migrator.MigrateAsync(database.DataSource, [PlatformMigrations.EventStore]);
        return new BenchDatabase(database);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        cmd.CommandTimeout = 0;
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}

/// <summary>
/// A batch-oriented read model like AccountBalances in the platform tests: one multi-row upsert per
/// batch, whatever the batch holds. Times its own SQL so a rebuild's time can be split.
/// </summary>
internal sealed class ItemCatalog : IProjection
{
    public const string Table = "bench_items";
    public const string CreateTable =
        "create table bench_items (item_id text primary key, title text not null, category text not null, unit text not null, revisions int not null, pages numeric not null)";

    private long _applyTicks;

    public string Name => Table;

    public TimeSpan ApplyTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _applyTicks));

    public bool Handles(string eventType) => eventType is "bench.item-registered.v1" or "bench.item-revised.v1";

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var changes = new Dictionary<string, Change>(StringComparer.Ordinal);
        foreach (var e in batch.Events)
        {
            switch (e.Data)
            {
                case ItemRegistered r:
                    var registered = changes.GetValueOrDefault(r.ItemId) ?? new Change();
                    registered.Title ??= r.Title;
                    registered.Category = r.Category;
                    registered.Unit = r.OwningUnit;
                    changes[r.ItemId] = registered;
                    break;
                case ItemRevised v:
                    var revised = changes.GetValueOrDefault(v.ItemId) ?? new Change();
                    revised.Title = v.Title;
                    revised.Revisions++;
                    revised.Pages += v.Pages;
                    changes[v.ItemId] = revised;
                    break;
            }
        }
        await using var cmd = new NpgsqlCommand(
            $"""
            insert into {Table} (item_id, title, category, unit, revisions, pages)
            select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::numeric[])
            on conflict (item_id) do update set
                title = coalesce(nullif(excluded.title, ''), {Table}.title),
                category = coalesce(nullif(excluded.category, ''), {Table}.category),
                unit = coalesce(nullif(excluded.unit, ''), {Table}.unit),
                revisions = {Table}.revisions + excluded.revisions,
                pages = {Table}.pages + excluded.pages
            """, batch.Connection, batch.Transaction);
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = changes.Keys.ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = changes.Values.Select(c => c.Title ?? "").ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = changes.Values.Select(c => c.Category ?? "").ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = changes.Values.Select(c => c.Unit ?? "").ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = changes.Values.Select(c => c.Revisions).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<decimal[]> { TypedValue = changes.Values.Select(c => c.Pages).ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
        Interlocked.Add(ref _applyTicks, Stopwatch.GetTimestamp() - start);
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"truncate {Table}", connection, transaction);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private sealed class Change
    {
        public string? Title { get; set; }
        public string? Category { get; set; }
        public string? Unit { get; set; }
        public int Revisions { get; set; }
        public decimal Pages { get; set; }
    }
}
