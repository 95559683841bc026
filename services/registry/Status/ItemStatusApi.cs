using Npgsql;
using Ppid.Platform.Http;

namespace Ppid.Registry.Status;

/// <summary>The ratified category (or the category an exempt item opened as, with why).</summary>
public sealed record ClassificationStatus(string Category, int? IntervalMonths, Guid ClassificationId, DateTimeOffset ClassifiedAt, string? OpenedReason);

/// <summary>
/// Where the public can see the item: the last edition that listed it (in the DIP, or in the DIK
/// when exempt), whether that is the tenant's latest edition (false: a later edition left it out),
/// and when it went on the website at once (serta-merta).
/// </summary>
public sealed record PublicationStatus(string? List, int? Edition, Guid? EditionId, DateOnly? EffectiveDate, DateTimeOffset? PublishedAt,
    bool? InLatestEdition, DateTimeOffset? SertaMertaPublishedAt);

public sealed record StatusEntry(string Event, string Detail, DateTimeOffset At);

public sealed record ItemStatusResponse(Guid ItemId, ClassificationStatus? Classification, PublicationStatus? Publication, IReadOnlyList<StatusEntry> History);

/// <summary>Reads the <c>item_status</c> tables that <see cref="ItemStatusHandler"/> writes.</summary>
public static class ItemStatusApi
{
    public static RouteGroupBuilder MapItemStatus(this RouteGroupBuilder group)
    {
        group.MapGet("/items/{id:guid}/status", GetAsync);
        return group;
    }

    /// <summary>The status columns of <c>item_status s</c> and <c>latest_editions le</c> (see <see cref="Joins"/>); <see cref="Read"/> maps them.</summary>
    public const string Columns =
        "s.category, s.interval_months, s.classification_id, s.classified_at, s.opened_reason, s.list, s.edition_number, s.edition_id, s.edition_date, s.published_at, s.published_serta_merta_at, le.number";

    /// <summary>Joins the status tables to <c>items i</c>.</summary>
    public const string Joins =
        "left join item_status s on s.tenant = i.tenant and s.item_id = i.item_id left join latest_editions le on le.tenant = i.tenant";

    /// <summary>The status from <see cref="Columns"/> starting at column <paramref name="at"/> (all null: nothing reported yet).</summary>
    public static (ClassificationStatus? Classification, PublicationStatus? Publication) Read(NpgsqlDataReader r, int at)
    {
        var classification = r.IsDBNull(at) ? null : new ClassificationStatus(r.GetString(at), r.IsDBNull(at + 1) ? null : r.GetInt32(at + 1), r.GetGuid(at + 2),
            r.GetFieldValue<DateTimeOffset>(at + 3), r.IsDBNull(at + 4) ? null : r.GetString(at + 4));
        var publication = r.IsDBNull(at + 6) && r.IsDBNull(at + 10) ? null : new PublicationStatus(
            r.IsDBNull(at + 5) ? null : r.GetString(at + 5),
            r.IsDBNull(at + 6) ? null : r.GetInt32(at + 6),
            r.IsDBNull(at + 7) ? null : r.GetGuid(at + 7),
            r.IsDBNull(at + 8) ? null : r.GetFieldValue<DateOnly>(at + 8),
            r.IsDBNull(at + 9) ? null : r.GetFieldValue<DateTimeOffset>(at + 9),
            r.IsDBNull(at + 6) ? null : !r.IsDBNull(at + 11) && r.GetInt32(at + 6) >= r.GetInt32(at + 11),
            r.IsDBNull(at + 10) ? null : r.GetFieldValue<DateTimeOffset>(at + 10));
        return (classification, publication);
    }

    /// <summary>The item's status with its history (one line per event applied, oldest first); another tenant's item is 404.</summary>
    private static async Task<IResult> GetAsync(Guid id, RequestContext request, NpgsqlDataSource db, CancellationToken ct)
    {
        ClassificationStatus? classification;
        PublicationStatus? publication;
        await using (var cmd = db.CreateCommand(
            $"select {Columns} from items i {Joins} where i.item_id = $1 and i.tenant = $2"))
        {
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct)) return Problems.NotFound($"Information item {id}");
            (classification, publication) = Read(r, 0);
        }
        var history = new List<StatusEntry>();
        await using (var cmd = db.CreateCommand("select event, detail, at from item_status_history where tenant = $1 and item_id = $2 order by id"))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) history.Add(new StatusEntry(r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2)));
        }
        return TypedResults.Ok(new ItemStatusResponse(id, classification, publication, history));
    }
}
