using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Registry.Items;

namespace Ppid.Registry.Listing;

/// <summary>An item's detail: every DIP field, its documents, status and version (also its ETag).</summary>
public sealed record ItemResponse(
    Guid Id,
    long Version,
    string Status,
    string Title,
    string Summary,
    string HoldingUnit,
    string ResponsibleOfficial,
    DateOnly ProductionDate,
    string ProductionPlace,
    IReadOnlyList<AvailableForm> Forms,
    string RecordClass,
    DocumentKind Kind,
    string Language,
    IReadOnlyList<string> Tags,
    IReadOnlyList<DocumentReference> Documents,
    string? WithdrawalReason,
    DateTimeOffset RegisteredAt,
    DateTimeOffset UpdatedAt);

public sealed record ItemSummary(Guid Id, long Version, string Status, string Title, string HoldingUnit, DocumentKind Kind, DateOnly ProductionDate, DateTimeOffset UpdatedAt);

/// <summary>A page of items; <see cref="Next"/> is the cursor (<c>after=</c>) of the next page, null on the last.</summary>
public sealed record ItemPage(IReadOnlyList<ItemSummary> Items, Guid? Next, int Size);

/// <summary>Detail and list queries on the inline <c>items</c> read model, always within the caller's tenant.</summary>
public static class ListingEndpoint
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;
    public const int MaxTextLength = 200;

    public static RouteGroupBuilder MapListing(this RouteGroupBuilder group)
    {
        group.MapGet("/items/{id:guid}", GetAsync);
        group.MapGet("/items", ListAsync);
        return group;
    }

    private static async Task<IResult> GetAsync(Guid id, RequestContext request, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select version, state::text from items where item_id = $1 and tenant = $2");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return Problems.NotFound($"Information item {id}");
        var version = reader.GetInt64(0);
        var s = State(reader.GetString(1));
        var d = s.Details!;
        http.Response.Headers.ETag = Versions.ETag(version);
        return TypedResults.Ok(new ItemResponse(s.Id, version, ItemsProjection.StatusName(s.Status), d.Title, d.Summary, d.HoldingUnit, d.ResponsibleOfficial,
            d.ProductionDate, d.ProductionPlace, d.Forms, d.RecordClass, d.Kind, d.Language, d.Tags, s.Documents, s.WithdrawalReason, s.RegisteredAt, s.UpdatedAt));
    }

    /// <summary>
    /// Filters: <c>unit</c> (holding unit code), <c>status</c> (active | withdrawn), <c>q</c> (text in
    /// title or summary). Keyset paging in registration order: <c>after</c> = the previous page's
    /// <c>next</c>; <c>size</c> defaults to 20 and is capped at 100.
    /// </summary>
    private static async Task<IResult> ListAsync(RequestContext request, NpgsqlDataSource db, CancellationToken ct,
        string? unit = null, string? status = null, string? q = null, Guid? after = null, int? size = null)
    {
        var errors = new ValidationErrors();
        if (status is not null and not ("active" or "withdrawn")) errors.Add("status", "Must be active or withdrawn.");
        if (q is { Length: > MaxTextLength }) errors.Add("q", $"At most {MaxTextLength} characters.");
        if (size is < 1) errors.Add("size", "At least 1.");
        if (errors.Any) return Problems.Invalid(errors);
        var pageSize = Math.Min(size ?? DefaultPageSize, MaxPageSize);

        await using var cmd = db.CreateCommand(
            """
            select item_id, version, status, state::text from items
             where tenant = $1
               and ($2::text is null or holding_unit = $2)
               and ($3::text is null or status = $3)
               and ($4::text is null or title ilike $4 or summary ilike $4)
               and ($5::uuid is null or item_id > $5)
             order by item_id
             limit $6
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        cmd.Parameters.Add(Nullable(string.IsNullOrWhiteSpace(unit) ? null : unit.Trim(), NpgsqlDbType.Text));
        cmd.Parameters.Add(Nullable(status, NpgsqlDbType.Text));
        cmd.Parameters.Add(Nullable(string.IsNullOrWhiteSpace(q) ? null : $"%{EscapeLike(q.Trim())}%", NpgsqlDbType.Text));
        cmd.Parameters.Add(Nullable(after, NpgsqlDbType.Uuid));
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pageSize + 1 });
        var items = new List<ItemSummary>(pageSize + 1);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var s = State(reader.GetString(3));
                items.Add(new ItemSummary(reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2), s.Details!.Title, s.Details.HoldingUnit,
                    s.Details.Kind, s.Details.ProductionDate, s.UpdatedAt));
            }
        }
        var more = items.Count > pageSize;
        if (more) items.RemoveAt(items.Count - 1);
        return TypedResults.Ok(new ItemPage(items, more ? items[^1].Id : null, pageSize));
    }

    private static InformationItem State(string json) =>
        JsonSerializer.Deserialize<InformationItem>(json, EventJson.Options) ?? throw new InvalidOperationException("An items row has no state.");

    private static NpgsqlParameter Nullable(object? value, NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
