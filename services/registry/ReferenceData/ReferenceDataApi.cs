using System.Text.RegularExpressions;
using Npgsql;
using Ppid.Platform.Http;
using Ppid.Registry.Items;

namespace Ppid.Registry.ReferenceData;

public enum Disposition
{
    Destroy,
    Review,
    Permanent,
}

public sealed record UnitRequest(string? Name);

public sealed record Unit(string Code, string Name);

public sealed record RecordClassRequest(string? Name, int? ActiveYears, int? InactiveYears, string? Disposition);

/// <summary>A class of the tenant's archive retention schedule (JRA): retention while active, while inactive, and the final disposition.</summary>
public sealed record RecordClass(string Code, string Name, int ActiveYears, int InactiveYears, Disposition Disposition);

/// <summary>
/// The tenant's units and JRA record classes. Plain tables (registry migration 0001), upserted
/// with PUT by code: they are reference data that items point to by code, and items record the
/// code they were registered with in their events, so the item history stays complete without
/// event-sourcing the lookup lists. (If auditors need the lists' own history, they become
/// streams per tenant later; the API does not change.) Codes cannot be deleted, so no item
/// points to a code that vanished.
/// </summary>
public static partial class ReferenceDataApi
{
    public const int MaxRetentionYears = 200;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._\\-/]{0,49}$")]
    private static partial Regex Code();

    public static RouteGroupBuilder MapReferenceData(this RouteGroupBuilder group)
    {
        group.MapGet("/units", ListUnitsAsync);
        group.MapPut("/units/{code}", PutUnitAsync);
        group.MapGet("/record-classes", ListRecordClassesAsync);
        group.MapPut("/record-classes/{code}", PutRecordClassAsync);
        return group;
    }

    /// <summary>The codes an item may point to. Codes are never deleted, so what is known here stays known when the events are appended.</summary>
    public static async Task<KnownCodes> KnownCodesAsync(NpgsqlDataSource db, string tenant, CancellationToken ct)
    {
        var units = new HashSet<string>(StringComparer.Ordinal);
        var classes = new HashSet<string>(StringComparer.Ordinal);
        await using var cmd = db.CreateCommand(
            "select 'u', code from units where tenant = $1 union all select 'c', code from record_classes where tenant = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) (reader.GetString(0) == "u" ? units : classes).Add(reader.GetString(1));
        return new KnownCodes(units, classes);
    }

    private static async Task<IResult> PutUnitAsync(string code, UnitRequest body, RequestContext request, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        if (!Code().IsMatch(code)) errors.Add("code", "1 to 50 letters, digits, '.', '_', '-' or '/', starting with a letter or digit.");
        var name = errors.Required("name", body.Name, ItemValidation.NameMax);
        if (errors.Any) return Problems.Invalid(errors);
        await using var cmd = db.CreateCommand(
            """
            insert into units (tenant, code, name, updated_at) values ($1, $2, $3, $4)
            on conflict (tenant, code) do update set name = excluded.name, updated_at = excluded.updated_at
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = code });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name! });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        await cmd.ExecuteNonQueryAsync(ct);
        return TypedResults.Ok(new Unit(code, name!));
    }

    private static async Task<IResult> ListUnitsAsync(RequestContext request, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select code, name from units where tenant = $1 order by code");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        var list = new List<Unit>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(new Unit(reader.GetString(0), reader.GetString(1)));
        return TypedResults.Ok(list);
    }

    private static async Task<IResult> PutRecordClassAsync(string code, RecordClassRequest body, RequestContext request, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        if (!Code().IsMatch(code)) errors.Add("code", "1 to 50 letters, digits, '.', '_', '-' or '/', starting with a letter or digit.");
        var name = errors.Required("name", body.Name, ItemValidation.NameMax);
        if (body.ActiveYears is not { } active) errors.Add("activeYears", "Required.");
        else if (active is < 0 or > MaxRetentionYears) errors.Add("activeYears", $"Between 0 and {MaxRetentionYears}.");
        if (body.InactiveYears is not { } inactive) errors.Add("inactiveYears", "Required.");
        else if (inactive is < 0 or > MaxRetentionYears) errors.Add("inactiveYears", $"Between 0 and {MaxRetentionYears}.");
        Disposition? disposition = body.Disposition?.Trim() switch
        {
            "destroy" => Disposition.Destroy,
            "review" => Disposition.Review,
            "permanent" => Disposition.Permanent,
            _ => null,
        };
        if (disposition is null) errors.Add("disposition", "Must be destroy, review or permanent.");
        if (errors.Any) return Problems.Invalid(errors);
        var recordClass = new RecordClass(code, name!, body.ActiveYears!.Value, body.InactiveYears!.Value, disposition!.Value);
        await using var cmd = db.CreateCommand(
            """
            insert into record_classes (tenant, code, name, active_years, inactive_years, disposition, updated_at) values ($1, $2, $3, $4, $5, $6, $7)
            on conflict (tenant, code) do update set name = excluded.name, active_years = excluded.active_years,
                inactive_years = excluded.inactive_years, disposition = excluded.disposition, updated_at = excluded.updated_at
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = code });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = recordClass.Name });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = recordClass.ActiveYears });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = recordClass.InactiveYears });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = body.Disposition!.Trim() });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        await cmd.ExecuteNonQueryAsync(ct);
        return TypedResults.Ok(recordClass);
    }

    private static async Task<IResult> ListRecordClassesAsync(RequestContext request, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "select code, name, active_years, inactive_years, disposition from record_classes where tenant = $1 order by code");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        var list = new List<RecordClass>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new RecordClass(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3),
                Enum.Parse<Disposition>(reader.GetString(4), ignoreCase: true)));
        }
        return TypedResults.Ok(list);
    }
}
