using System.Text.Json;
using Npgsql;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;

namespace Ppid.Publication.Catalog;

/// <summary>
/// The registry's fields of an item as publication keeps them. PRIVATE: <see cref="Summary"/> and
/// <see cref="Tags"/> of an exempt item must never be shown; only <see cref="Editions.Draft"/>
/// turns this into public entries.
/// </summary>
public sealed record ItemDetails(
    string Title,
    string Summary,
    string HoldingUnit,
    string ResponsibleOfficial,
    DateOnly ProductionDate,
    string ProductionPlace,
    IReadOnlyList<AvailableForm> Forms,
    string RecordClass,
    IReadOnlyList<string> Tags)
{
    public static ItemDetails From(InformationItemRegistered e) =>
        new(e.Title, e.Summary, e.HoldingUnit, e.ResponsibleOfficial, e.ProductionDate, e.ProductionPlace, e.Forms, e.RecordClass, e.Tags);

    public ItemDetails Apply(InformationItemRevised e) => new(
        e.Title ?? Title, e.Summary ?? Summary, e.HoldingUnit ?? HoldingUnit, e.ResponsibleOfficial ?? ResponsibleOfficial,
        e.ProductionDate ?? ProductionDate, e.ProductionPlace ?? ProductionPlace, e.Forms ?? Forms, e.RecordClass ?? RecordClass, e.Tags ?? Tags);
}

/// <summary>One item of a tenant's catalog: private input of the draft, never rendered itself.</summary>
public sealed record CatalogItem(
    Guid ItemId,
    ItemDetails? Details,
    bool Withdrawn,
    DateTimeOffset? ItemUpdatedAt,
    ClassificationRatified? Ratified,
    ExemptItemOpened? Opened)
{
    /// <summary>The category in force: the ratified one, or what an opening made of an exempt item.</summary>
    public Category? Category => Opened?.OpenedAs ?? Ratified?.Category;

    /// <summary>Listed (in the DIP or the DIK) once it is registered, classified and still held.</summary>
    public bool Listable => Details is not null && Ratified is not null && !Withdrawn;
}

public static class CatalogQueries
{
    public static Task<IReadOnlyList<CatalogItem>> LoadAsync(NpgsqlDataSource dataSource, string tenant, CancellationToken ct) =>
        QueryAsync(dataSource, tenant, "", ct);

    /// <summary>Only the items that an opening made public (the website's "baru dibuka" section).</summary>
    public static Task<IReadOnlyList<CatalogItem>> LoadOpenedAsync(NpgsqlDataSource dataSource, string tenant, CancellationToken ct) =>
        QueryAsync(dataSource, tenant, " and opened is not null", ct);

    /// <summary>The columns <see cref="Read"/> expects, in its order.</summary>
    public const string Columns = "item_id, details::text, withdrawn, item_updated_at, ratified::text, opened::text";

    private static async Task<IReadOnlyList<CatalogItem>> QueryAsync(NpgsqlDataSource dataSource, string tenant, string condition, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select {Columns} from catalog where tenant = $1" + condition + " order by item_id");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var items = new List<CatalogItem>();
        while (await reader.ReadAsync(ct)) items.Add(Read(reader));
        return items;
    }

    /// <summary>One row of <see cref="Columns"/>.</summary>
    public static CatalogItem Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.IsDBNull(1) ? null : JsonSerializer.Deserialize<ItemDetails>(reader.GetString(1), EventJson.Options),
        reader.GetBoolean(2),
        reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
        reader.IsDBNull(4) ? null : JsonSerializer.Deserialize<ClassificationRatified>(reader.GetString(4), EventJson.Options),
        reader.IsDBNull(5) ? null : JsonSerializer.Deserialize<ExemptItemOpened>(reader.GetString(5), EventJson.Options));
}
