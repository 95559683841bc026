using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Ppid.Contracts.Registry;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Registry.Items;
using Ppid.Registry.Status;

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
    DateTimeOffset UpdatedAt,
    ClassificationStatus? Classification,
    PublicationStatus? Publication);

/// <summary>A list line; <see cref="Category"/> and <see cref="Edition"/> are null until classification and publication report them.</summary>
public sealed record ItemSummary(Guid Id, long Version, string Status, string Title, string HoldingUnit, DocumentKind Kind, DateOnly ProductionDate, DateTimeOffset UpdatedAt,
    string? Category, int? Edition);

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
        // One round trip: the item and its status as other services reported it.
        await using var cmd = db.CreateCommand(
            $"select i.version, i.state::text, {ItemStatusApi.Columns} from items i {ItemStatusApi.Joins} where i.item_id = $1 and i.tenant = $2");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return Problems.NotFound($"Information item {id}");
        var version = reader.GetInt64(0);
        var s = State(reader.GetString(1));
        var (classification, publication) = ItemStatusApi.Read(reader, 2);
        var d = s.Details!;
        http.Response.Headers.ETag = Versions.ETag(version);
        return TypedResults.Ok(new ItemResponse(s.Id, version, ItemsProjection.StatusName(s.Status), d.Title, d.Summary, d.HoldingUnit, d.ResponsibleOfficial,
            d.ProductionDate, d.ProductionPlace, d.Forms, d.RecordClass, d.Kind, d.Language, d.Tags, s.Documents, s.WithdrawalReason, s.RegisteredAt, s.UpdatedAt,
            classification, publication));
    }

    /// <summary>The <c>category</c> filter's values: the four categories, or items no ratified classification names yet.</summary>
    public static readonly IReadOnlySet<string> CategoryFilters = new HashSet<string>(["berkala", "serta-merta", "setiap-saat", "dikecualikan", Unclassified], StringComparer.Ordinal);

    public const string Unclassified = "unclassified";

    /// <summary>
    /// Filters: <c>unit</c> (holding unit code), <c>status</c> (active | withdrawn), <c>category</c>
    /// (as classification ratified it, or <c>unclassified</c>), <c>q</c> (text in title or summary,
    /// case-insensitive substring: ILIKE, see README.md). Keyset paging in registration order:
    /// <c>after</c> = the previous page's <c>next</c>; <c>size</c> defaults to 20 and is capped at 100.
    /// </summary>
    private static async Task<IResult> ListAsync(RequestContext request, NpgsqlDataSource db, CancellationToken ct,
        string? unit = null, string? status = null, string? category = null, string? q = null, Guid? after = null, int? size = null)
    {
        var errors = new ValidationErrors();
        if (status is not null and not ("active" or "withdrawn")) errors.Add("status", "Must be active or withdrawn.");
        if (category is not null && !CategoryFilters.Contains(category)) errors.Add("category", $"Must be one of: {string.Join(", ", CategoryFilters)}.");
        if (q is { Length: > MaxTextLength }) errors.Add("q", $"At most {MaxTextLength} characters.");
        if (size is < 1) errors.Add("size", "At least 1.");
        if (errors.Any) return Problems.Invalid(errors);
        var pageSize = Math.Min(size ?? DefaultPageSize, MaxPageSize);

        await using var cmd = db.CreateCommand(
            """
            select i.item_id, i.version, i.status, i.state::text, s.category, s.edition_number
              from items i left join item_status s on s.tenant = i.tenant and s.item_id = i.item_id
             where i.tenant = $1
               and ($2::text is null or i.holding_unit = $2)
               and ($3::text is null or i.status = $3)
               and ($4::text is null or i.title ilike $4 or i.summary ilike $4)
               and ($5::uuid is null or i.item_id > $5)
               and ($7::text is null or ($7 = 'unclassified' and s.category is null) or s.category = $7)
             order by i.item_id
             limit $6
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        cmd.Parameters.Add(Nullable(string.IsNullOrWhiteSpace(unit) ? null : unit.Trim(), NpgsqlDbType.Text));
        cmd.Parameters.Add(Nullable(status, NpgsqlDbType.Text));
        cmd.Parameters.Add(Nullable(string.IsNullOrWhiteSpace(q) ? null : $"%{EscapeLike(q.Trim())}%", NpgsqlDbType.Text));
        cmd.Parameters.Add(Nullable(after, NpgsqlDbType.Uuid));
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pageSize + 1 });
        cmd.Parameters.Add(Nullable(category, NpgsqlDbType.Text));
        var items = new List<ItemSummary>(pageSize + 1);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var s = State(reader.GetString(3));
                items.Add(new ItemSummary(reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2), s.Details!.Title, s.Details.HoldingUnit,
                    s.Details.Kind, s.Details.ProductionDate, s.UpdatedAt, reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetInt32(5)));
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
