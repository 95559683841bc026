using Npgsql;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;

namespace Ppid.Classification.Classifications;

/// <summary>What a step on a classification answers: its id, new version (also the ETag) and status.</summary>
public sealed record ClassificationChanged(Guid Id, Guid ItemId, long Version, string Status);

/// <summary>The checks every step shares: the role, the precondition, the state; then the decision.</summary>
public static class ClassificationCommands
{
    /// <summary>"Today" for dates in decrees and exemption periods: the date in WIB (UTC+7), where most bodies sit.</summary>
    public static DateOnly Today(DateTimeOffset now) => DateOnly.FromDateTime(now.ToOffset(TimeSpan.FromHours(7)).DateTime);

    /// <summary>A 403 problem unless the caller names a person acting in one of <paramref name="roles"/>.</summary>
    public static IResult? RequireRole(RequestContext request, string step, params string[] roles)
    {
        if (request.ActorId is null)
            return Forbidden($"{step} must be taken by a named person: send X-Actor-Id.");
        if (request.ActorRole is null || !roles.Contains(request.ActorRole, StringComparer.Ordinal))
            return Forbidden($"{step} is taken in the role {string.Join(" or ", roles)}; you act as {request.ActorRole ?? "(no role)"}.");
        return null;
    }

    public static IResult Forbidden(string detail, string code = "wrong-role") =>
        TypedResults.Problem(title: "Not allowed for this actor", detail: detail, statusCode: StatusCodes.Status403Forbidden, type: Problems.TypeBase + code);

    public static async Task<Loaded<ClassificationState>?> LoadAsync(this EventStore store, string tenant, Guid id, CancellationToken ct)
    {
        var loaded = await store.LoadAsync(ClassificationState.StreamId(id), ClassificationState.Initial, ClassificationState.Evolve, ct: ct);
        return loaded is null || !string.Equals(loaded.Tenant, tenant, StringComparison.Ordinal) ? null : loaded;
    }

    /// <summary>The read model's status of a classification ('superseded' is known only there).</summary>
    public static async Task<string?> StatusAsync(NpgsqlDataSource db, string tenant, Guid id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select status from classifications where classification_id = $1 and tenant = $2");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>
    /// Loads the classification, checks If-Match against its version (stale: 409), decides, and
    /// appends expecting exactly the version decided on, so of two concurrent steps one fails with 409.
    /// </summary>
    public static async Task<CommandOutcome> DecideAsync(EventStore store, RequestContext request, Guid id, long ifMatch,
        Func<ClassificationState, Task<Decision>> decide, CancellationToken ct)
    {
        var loaded = await store.LoadAsync(request.Tenant, id, ct);
        if (loaded is null) return new Failed(Problems.NotFound($"Classification {id}"));
        if (ifMatch != loaded.Version)
            throw new ConcurrencyException(ClassificationState.StreamId(id), ExpectedVersion.Exactly(ifMatch), loaded.Version);
        var decision = await decide(loaded.State);
        if (decision.Error is { } error) return new Failed(Refused(error));
        var after = decision.Events.Aggregate(loaded.State, ClassificationState.Evolve);
        return new Pending(ClassificationState.StreamId(id), ClassificationState.StreamType, ExpectedVersion.Exactly(loaded.Version), loaded.Version,
            decision.Events, StatusCodes.Status200OK, version => new ClassificationChanged(id, after.ItemId, version, Wire.Name(after.Status)));
    }

    /// <summary>If-Match is required for a step on an existing classification: the step is based on what the caller saw.</summary>
    public static (long Version, IResult? Error) RequireIfMatch(HttpRequest request)
    {
        var (version, bad) = Versions.IfMatch(request);
        if (bad is not null) return (0, bad);
        return version is { } v ? (v, null) : (0, Versions.PreconditionRequired());
    }

    public const string Pasal18Code = "pasal-18";

    /// <summary>A refusal: 422 citing Pasal 18 when exemption is barred by it, otherwise 409 (the state does not allow the step).</summary>
    public static IResult Refused(DomainError error) => error.Code switch
    {
        Pasal18Code => TypedResults.Problem(title: "Pasal 18: this information cannot be exempt", detail: error.Message,
            statusCode: StatusCodes.Status422UnprocessableEntity, type: Problems.TypeBase + error.Code),
        ProposerCannotRatifyCode => Forbidden(error.Message, error.Code),
        _ => Problems.Refused(error),
    };

    public const string ProposerCannotRatifyCode = "proposer-cannot-ratify";

    /// <summary>A refusal because the step comes in the wrong order.</summary>
    public static Decision WrongOrder(string message) => Decision.Refuse("wrong-order", message);
}
