using Npgsql;
using Ppid.Archive.Auditing;
using Ppid.Archive.Ledger;
using Ppid.Platform.Database;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;

namespace Ppid.Archive.Editions;

public sealed record ArchivedEditionResponse(
    Guid EditionId,
    int Number,
    DateOnly EffectiveDate,
    DateTimeOffset PublishedAt,
    string PublishedBy,
    string DeclaredContentHash,
    string ContentSha256,
    string PdfSha256,
    string? RecordClass,
    string Disposition,
    DateOnly? RetainUntil,
    bool LegalHold,
    long LedgerPosition,
    string LedgerRootHash,
    DateTimeOffset ArchivedAt,
    Disposal? Disposal);

public sealed record Disposal(DateTimeOffset DisposedAt, string DecisionReference, string ApprovedBy, string DisposedBy);

public sealed record RootVerification(Guid EditionId, long LedgerPosition, string ArchivedRoot, string RecomputedRoot, bool RootMatches,
    bool ChainsIntact, IReadOnlyList<LedgerFailure> Failures)
{
    public bool Verified => RootMatches && ChainsIntact;
}

public sealed record RetentionRequest(string? RecordClass, int? ActiveYears, int? InactiveYears, string? Disposition);
public sealed record LegalHoldRequest(bool? Hold, string? Reason);
public sealed record DisposalRequest(string? DecisionReference, string? ApprovedBy);

/// <summary>Archived editions: read them, prove their root, set the tenant's retention, hold and dispose.</summary>
public static class EditionsEndpoints
{
    private const string Select =
        """
        select edition_id, number, effective_date, published_at, published_by, declared_hash, content_sha256, pdf_sha256, record_class,
               disposition, retain_until, legal_hold, ledger_sequence, root_hash, archived_at, disposed_at, disposal_decision, disposal_approver, disposed_by
          from archived_editions
        """;

    public static RouteGroupBuilder MapEditions(this RouteGroupBuilder group)
    {
        group.MapGet("/editions", ListAsync);
        group.MapGet("/editions/{editionId:guid}", GetAsync);
        group.MapGet("/editions/{editionId:guid}/content", ContentAsync);
        group.MapGet("/editions/{editionId:guid}/document", DocumentAsync);
        group.MapGet("/editions/{editionId:guid}/root-verification", VerifyRootAsync);
        group.MapPut("/editions/{editionId:guid}/legal-hold", LegalHoldAsync);
        group.MapPost("/editions/{editionId:guid}/disposal", DisposeAsync);
        group.MapPut("/retention", SetRetentionAsync);
        group.MapGet("/retention", GetRetentionAsync);
        return group;
    }

    private static async Task<IResult> ListAsync(RequestContext request, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(Select + " where tenant = $1 order by number");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        var list = new List<ArchivedEditionResponse>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(Read(reader));
        return TypedResults.Ok(list);
    }

    private static async Task<IResult> GetAsync(Guid editionId, RequestContext request, NpgsqlDataSource db, CancellationToken ct) =>
        await FindAsync(db, request.Tenant, editionId, ct) is { } edition ? TypedResults.Ok(edition) : Problems.NotFound($"Archived edition {editionId}");

    internal static async Task<ArchivedEditionResponse?> FindAsync(NpgsqlDataSource db, string tenant, Guid editionId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(Select + " where tenant = $1 and edition_id = $2");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = editionId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    private static ArchivedEditionResponse Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetInt32(1), r.GetFieldValue<DateOnly>(2), r.GetFieldValue<DateTimeOffset>(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7),
        r.IsDBNull(8) ? null : r.GetString(8), r.GetString(9), r.IsDBNull(10) ? null : r.GetFieldValue<DateOnly>(10), r.GetBoolean(11), r.GetInt64(12), r.GetString(13),
        r.GetFieldValue<DateTimeOffset>(14),
        r.IsDBNull(15) ? null : new Disposal(r.GetFieldValue<DateTimeOffset>(15), r.GetString(16), r.GetString(17), r.GetString(18)));

    private static async Task<IResult> ContentAsync(Guid editionId, RequestContext request, NpgsqlDataSource db, CancellationToken ct)
    {
        var (found, content) = await FileAsync(db, request.Tenant, editionId, "content", ct);
        if (!found) return Problems.NotFound($"Archived edition {editionId}");
        return content is string json ? TypedResults.Text(json, "application/json") : Disposed(editionId);
    }

    private static async Task<IResult> DocumentAsync(Guid editionId, RequestContext request, NpgsqlDataSource db, CancellationToken ct)
    {
        var (found, pdf) = await FileAsync(db, request.Tenant, editionId, "pdf", ct);
        if (!found) return Problems.NotFound($"Archived edition {editionId}");
        return pdf is byte[] bytes ? TypedResults.File(bytes, "application/pdf", $"dip-{editionId}.pdf") : Disposed(editionId);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Disposed(Guid editionId) =>
        TypedResults.Problem(title: "Disposed", detail: $"Archived edition {editionId} was disposed; its record and hashes remain.", statusCode: StatusCodes.Status410Gone, type: Problems.TypeBase + "disposed");

    private static async Task<(bool Found, object? Value)> FileAsync(NpgsqlDataSource db, string tenant, Guid editionId, string column, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"select {column} from archived_editions where tenant = $1 and edition_id = $2");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = editionId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return (false, null);
        return (true, reader.IsDBNull(0) ? null : reader.GetValue(0));
    }

    /// <summary>Recomputes the root from today's ledger rows up to the archived position and re-verifies their chains.</summary>
    private static async Task<IResult> VerifyRootAsync(Guid editionId, RequestContext request, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var edition = await FindAsync(db, request.Tenant, editionId, ct);
        if (edition is null) return Problems.NotFound($"Archived edition {editionId}");
        var rows = await LedgerQueries.StreamOrderAsync(db, request.Tenant, edition.LedgerPosition, ct);
        var recomputed = RootHash.Compute(RootHash.HeadsOf(rows));
        var chains = LedgerVerifier.Verify(request.Tenant, clock.GetUtcNow(), rows, null, []);
        return TypedResults.Ok(new RootVerification(editionId, edition.LedgerPosition, edition.LedgerRootHash, recomputed,
            string.Equals(recomputed, edition.LedgerRootHash, StringComparison.Ordinal), chains.Intact, chains.Failures));
    }

    private static async Task<IResult> SetRetentionAsync(RetentionRequest body, RequestContext request, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (AuditingEndpoints.RequireRole(request, Roles.Arsiparis) is { } forbidden) return forbidden;
        var errors = new ValidationErrors();
        var recordClass = errors.Required("recordClass", body.RecordClass, 50);
        if (body.ActiveYears is null or < 0 or > 200) errors.Add("activeYears", "Required, 0 to 200.");
        if (body.InactiveYears is null or < 0 or > 200) errors.Add("inactiveYears", "Required, 0 to 200.");
        if (body.Disposition is not ("permanent" or "destroy" or "review")) errors.Add("disposition", "Must be permanent, destroy or review.");
        if (errors.Any) return Problems.Invalid(errors);
        await using var cmd = db.CreateCommand(
            """
            insert into retention_settings (tenant, record_class, active_years, inactive_years, disposition, updated_at) values ($1, $2, $3, $4, $5, $6)
            on conflict (tenant) do update set record_class = excluded.record_class, active_years = excluded.active_years,
                inactive_years = excluded.inactive_years, disposition = excluded.disposition, updated_at = excluded.updated_at
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = recordClass! });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = body.ActiveYears!.Value });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = body.InactiveYears!.Value });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = body.Disposition! });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        await cmd.ExecuteNonQueryAsync(ct);
        return TypedResults.Ok(new { recordClass, body.ActiveYears, body.InactiveYears, body.Disposition });
    }

    private static async Task<IResult> GetRetentionAsync(RequestContext request, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select record_class, active_years, inactive_years, disposition from retention_settings where tenant = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? TypedResults.Ok(new { recordClass = reader.GetString(0), activeYears = reader.GetInt32(1), inactiveYears = reader.GetInt32(2), disposition = reader.GetString(3) })
            : TypedResults.Ok(new { recordClass = (string?)null, activeYears = (int?)null, inactiveYears = (int?)null, disposition = "permanent" });
    }

    private static async Task<IResult> LegalHoldAsync(Guid editionId, LegalHoldRequest body, RequestContext request, EventStore store, TimeProvider clock, CancellationToken ct)
    {
        if (AuditingEndpoints.RequireRole(request, Roles.Arsiparis) is { } forbidden) return forbidden;
        var errors = new ValidationErrors();
        if (body.Hold is null) errors.Add("hold", "Required: true to place a hold, false to release it.");
        var reason = errors.Required("reason", body.Reason, 500);
        if (errors.Any) return Problems.Invalid(errors);
        return await DecideAsync(store, request, editionId, r => RecordDecider.Hold(r, body.Hold!.Value, reason!, clock.GetUtcNow()), ct);
    }

    private static async Task<IResult> DisposeAsync(Guid editionId, DisposalRequest body, RequestContext request, EventStore store, TimeProvider clock, CancellationToken ct)
    {
        if (AuditingEndpoints.RequireRole(request, Roles.Arsiparis) is { } forbidden) return forbidden;
        var errors = new ValidationErrors();
        var decision = errors.Required("decisionReference", body.DecisionReference, 200);
        var approver = errors.Required("approvedBy", body.ApprovedBy, 200);
        if (errors.Any) return Problems.Invalid(errors);
        return await DecideAsync(store, request, editionId, r => RecordDecider.Dispose(r, new DisposeEdition(decision!, approver!), clock.GetUtcNow()), ct);
    }

    /// <summary>Locks the record, decides, and appends the events (the inline <see cref="EditionRecordsProjection"/> applies them) in one transaction.</summary>
    private static async Task<IResult> DecideAsync(EventStore store, RequestContext request, Guid editionId, Func<ArchivedRecord, Decision> decide, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        ArchivedRecord record;
        await using (var cmd = new NpgsqlCommand(
            """
            select edition_id, number, record_class, disposition, retain_until, legal_hold, disposed_at is not null, content_sha256, pdf_sha256
              from archived_editions where tenant = $1 and edition_id = $2 for update
            """, connection, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = editionId });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct)) return Problems.NotFound($"Archived edition {editionId}");
            record = new ArchivedRecord(r.GetGuid(0), r.GetInt32(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3),
                r.IsDBNull(4) ? null : r.GetFieldValue<DateOnly>(4), r.GetBoolean(5), r.GetBoolean(6), r.GetString(7), r.GetString(8));
        }
        var decision = decide(record);
        if (decision.Error is { } error) return Problems.Refused(error);
        Guid? appendedEventId = null;
        if (decision.Events.Count > 0)
        {
            var appended = await store.AppendAsync(connection, tx, EditionArchiver.StreamId(editionId), EditionArchiver.StreamType, ExpectedVersion.Any,
                [.. decision.Events.Select(e => new EventData(e))], request.Metadata, ct);
            appendedEventId = appended.Events[0].EventId;
        }
        await Commits.CommitAsync(store.DataSource, tx, appendedEventId, ct); // a lost COMMIT answer is looked up, not guessed
        store.NotifyAppended();
        var db = store.DataSource;
        return TypedResults.Ok(await FindAsync(db, request.Tenant, editionId, ct));
    }
}
