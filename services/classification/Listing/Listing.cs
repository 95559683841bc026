using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Ppid.Classification.Classifications;
using Ppid.Contracts.Classification;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;

namespace Ppid.Classification.Listing;

/// <summary>One step of the workflow as the stream recorded it: what, who, in which role, when.</summary>
public sealed record Step(long Version, string Type, string? ActorId, string? ActorRole, DateTimeOffset At, object Details);

public sealed record ClassificationResponse(
    Guid Id,
    Guid ItemId,
    long Version,
    string Status,
    Category Category,
    int? IntervalMonths,
    string Rationale,
    ConsequenceTest? ConsequenceTest,
    bool TerminationOfInvestigation,
    Guid? Supersedes,
    Guid? SupersededBy,
    ReclassificationTrigger? Trigger,
    string? ProposedBy,
    int Round,
    IReadOnlyList<string> RolesCommentedThisRound,
    Meeting? Meeting,
    Decree? Decree,
    string? RatifiedBy,
    DateTimeOffset? RatifiedAt,
    DateOnly? OpeningDecisionDueFrom,
    OpeningReason? OpeningReason,
    string? OpeningReference,
    Category? OpenedAs,
    DateTimeOffset? OpenedAt,
    IReadOnlyList<Step> History);

public sealed record ClassificationSummary(Guid Id, Guid ItemId, long Version, string Status, string Category, DateOnly? ExemptUntil, DateTimeOffset UpdatedAt);

public sealed record ClassificationPage(IReadOnlyList<ClassificationSummary> Classifications, Guid? Next, int Size);

public sealed record WorklistEntry(Guid CycleId, string Period, Guid ItemId, long ItemVersion, string HoldingUnit, string? Title, Guid? ClassificationId, string? ClassificationStatus);

public sealed record Worklist(Guid CycleId, IReadOnlyList<WorklistEntry> Items);

public static class ListingEndpoint
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    private static readonly string[] Statuses = ["in-consultation", "correction-requested", "agreed", "determined", "ratified", "opened", ClassificationsProjection.Superseded];

    public static RouteGroupBuilder MapListing(this RouteGroupBuilder group)
    {
        group.MapGet("/classifications/{id:guid}", GetAsync);
        group.MapGet("/classifications", ListAsync);
        group.MapGet("/cycles/{cycleId:guid}/worklist", WorklistAsync);
        return group;
    }

    private static async Task<IResult> GetAsync(Guid id, RequestContext request, HttpContext http, NpgsqlDataSource db, EventStore store, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select version, status, superseded_by, state::text from classifications where classification_id = $1 and tenant = $2");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        long version;
        string status;
        Guid? supersededBy;
        ClassificationState s;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct)) return Problems.NotFound($"Classification {id}");
            version = reader.GetInt64(0);
            status = reader.GetString(1);
            supersededBy = reader.IsDBNull(2) ? null : reader.GetGuid(2);
            s = JsonSerializer.Deserialize<ClassificationState>(reader.GetString(3), EventJson.Options)!;
        }
        // The history is the stream itself: every step with the actor and role of its metadata.
        var events = await store.ReadStreamAsync(ClassificationState.StreamId(id), 1, version, ct);
        var history = events.Select(e => new Step(e.StreamVersion, e.Stored.Type, e.Metadata.ActorId, e.Metadata.ActorRole, e.Stored.RecordedAt, e.Data)).ToList();
        var p = s.Proposal!;
        http.Response.Headers.ETag = Versions.ETag(version);
        return TypedResults.Ok(new ClassificationResponse(s.Id, s.ItemId, version, status, p.Category, p.IntervalMonths, p.Rationale, p.ConsequenceTest,
            p.TerminationOfInvestigation, s.Supersedes, supersededBy, s.Trigger, s.ProposedBy, s.Round, s.RolesCommentedThisRound, s.Meeting, s.Decree, s.RatifiedBy,
            s.RatifiedAt, s.OpeningDecisionDueFrom, s.OpeningReason, s.OpeningReference, s.OpenedAs, s.OpenedAt, history));
    }

    /// <summary>Filters <c>itemId</c> and <c>status</c>; keyset paging in proposal order (<c>after</c> = the previous page's <c>next</c>).</summary>
    private static async Task<IResult> ListAsync(RequestContext request, NpgsqlDataSource db, CancellationToken ct,
        Guid? itemId = null, string? status = null, Guid? after = null, int? size = null)
    {
        var errors = new ValidationErrors();
        if (status is not null && !Statuses.Contains(status)) errors.Add("status", $"Must be one of: {string.Join(", ", Statuses)}.");
        if (size is < 1) errors.Add("size", "At least 1.");
        if (errors.Any) return Problems.Invalid(errors);
        var pageSize = Math.Min(size ?? DefaultPageSize, MaxPageSize);
        await using var cmd = db.CreateCommand(
            """
            select classification_id, item_id, version, status, category, exempt_until, updated_at from classifications
             where tenant = $1 and ($2::uuid is null or item_id = $2) and ($3::text is null or status = $3) and ($4::uuid is null or classification_id > $4)
             order by classification_id limit $5
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)itemId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pageSize + 1 });
        var list = new List<ClassificationSummary>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                list.Add(new ClassificationSummary(reader.GetGuid(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetFieldValue<DateOnly>(5), reader.GetFieldValue<DateTimeOffset>(6)));
            }
        }
        var more = list.Count > pageSize;
        if (more) list.RemoveAt(list.Count - 1);
        return TypedResults.Ok(new ClassificationPage(list, more ? list[^1].Id : null, pageSize));
    }

    /// <summary>
    /// The items a closed collection accepted, each with its latest classification (none yet: it
    /// awaits classification). <c>awaiting=true</c> lists only the items nobody has proposed for yet.
    /// </summary>
    private static async Task<IResult> WorklistAsync(Guid cycleId, RequestContext request, NpgsqlDataSource db, CancellationToken ct, bool? awaiting = null)
    {
        await using var cmd = db.CreateCommand(
            """
            select w.cycle_id, w.period, w.item_id, w.item_version, w.holding_unit, k.title, c.classification_id, c.status
              from worklist w
              left join known_items k on k.tenant = w.tenant and k.item_id = w.item_id
              left join lateral (select classification_id, status from classifications c
                                  where c.tenant = w.tenant and c.item_id = w.item_id order by classification_id desc limit 1) c on true
             where w.tenant = $1 and w.cycle_id = $2 and (not $3 or c.classification_id is null)
             order by w.holding_unit, w.item_id
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cycleId });
        cmd.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = awaiting ?? false });
        var items = new List<WorklistEntry>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                items.Add(new WorklistEntry(reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2), reader.GetInt64(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetGuid(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
            }
        }
        if (items.Count == 0) return Problems.NotFound($"Worklist of cycle {cycleId}");
        return TypedResults.Ok(new Worklist(cycleId, items));
    }
}
