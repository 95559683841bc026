using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Ppid.Platform.Database;
using Ppid.Platform.EventSourcing;

namespace Ppid.Platform.Http;

/// <summary>What a command's decision produced: events to append (and the answer), or a refusal (4xx) that changes nothing.</summary>
public abstract record CommandOutcome;

/// <summary>
/// Events to append to a stream (<see cref="StreamId"/> of <see cref="StreamType"/>), expecting <see cref="Expected"/>; none when the command
/// changes nothing (then <see cref="CurrentVersion"/> is the answer's version). <see cref="Body"/>
/// makes the answer from the version reached.
/// </summary>
public sealed record Pending(string StreamId, string StreamType, ExpectedVersion Expected, long CurrentVersion, IReadOnlyList<object> Events, int Status,
    Func<long, object> Body, string? Location = null) : CommandOutcome
{
    /// <summary>
    /// Optional last step that must share the append's transaction (e.g. taking a gap-free number the
    /// events carry: a counter row updated in this transaction rolls back with a failed append). It runs
    /// after the idempotency check and answers the outcome actually appended (or a refusal, which rolls back).
    /// </summary>
    public Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<CommandOutcome>>? InTransaction { get; init; }
}

public sealed record Failed(IResult Result) : CommandOutcome;

/// <summary>
/// Runs a command: decide (load, validate, decide: no connection held meanwhile), then append in
/// one transaction with the idempotency record (so no failure leaves one without the other; when the
/// connection fails during the COMMIT itself, <see cref="Commits"/> finds out whether it committed). With an <c>Idempotency-Key</c>, the transaction
/// takes an advisory lock on (tenant, key) and looks the key up before appending, so of
/// concurrent requests with one key exactly one appends and the others answer its result. A
/// later request with the same key gets that result again when its method, path and body are
/// the same, a 422 when not. Failures (4xx) are not remembered: they changed nothing, so a retry
/// is decided afresh. A remembered answer lives <see cref="KeyLifetime"/> (24 h): after that the
/// key is new again (a client retrying a day later is not retrying), and
/// <see cref="IdempotencyCleanup"/> deletes expired answers hourly.
/// </summary>
public sealed class Commands(EventStore store, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    public const string KeyHeader = "Idempotency-Key";
    public const int MaxKeyLength = 200;

    /// <summary>How long an answer is remembered for its key (database clock, from when it was stored).</summary>
    public static readonly TimeSpan KeyLifetime = TimeSpan.FromHours(24);

    public async Task<IResult> RunAsync(HttpContext http, RequestContext request, object? body,
        Func<CancellationToken, Task<CommandOutcome>> decide, CancellationToken ct)
    {
        var key = http.Request.Headers[KeyHeader].ToString();
        // An empty key is a client's bug, not "no key": treating it as absent would let its retries append twice.
        if (http.Request.Headers.ContainsKey(KeyHeader) && string.IsNullOrWhiteSpace(key))
            return Problems.Invalid(KeyHeader, "Must not be empty: send a unique key, or no header at all.");
        if (key.Length > MaxKeyLength)
            return Problems.Invalid(KeyHeader, $"At most {MaxKeyLength} characters.");
        var fingerprint = key.Length > 0 ? Fingerprint(http.Request, body) : null;

        // Looked up before deciding: a repeat of a request that was carried out would be decided against
        // the state it produced, and deciding may refuse it by throwing (a stale If-Match is a
        // ConcurrencyException), so the remembered answer must come first.
        if (fingerprint is not null)
        {
            await using var connection = await store.DataSource.OpenConnectionAsync(ct);
            if (await RememberedAsync(http, connection, null, request.Tenant, key, fingerprint, lockKey: false, ct) is { } earlier) return earlier;
        }

        var outcome = await decide(ct);
        if (outcome is Failed failed) return failed.Result;
        var pending = (Pending)outcome;

        await using (var connection = await store.DataSource.OpenConnectionAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            // Another request with this key may have finished while this one decided: its result wins.
            if (fingerprint is not null && await RememberedAsync(http, connection, tx, request.Tenant, key, fingerprint, lockKey: true, ct) is { } earlier)
                return earlier;
            if (pending.InTransaction is { } inTransaction)
            {
                var completed = await inTransaction(connection, tx, ct);
                if (completed is Failed refused) return refused.Result;
                pending = (Pending)completed;
            }
            var version = pending.CurrentVersion;
            Guid? appendedEventId = null;
            if (pending.Events.Count > 0)
            {
                var appended = await store.AppendAsync(connection, tx, pending.StreamId, pending.StreamType, pending.Expected,
                    pending.Events.Select(e => new EventData(e)).ToList(), request.Metadata, ct);
                version = appended.StreamVersion;
                appendedEventId = appended.Events[0].EventId;
            }
            var answer = pending.Body(version);
            var text = JsonSerializer.Serialize(answer, answer.GetType(), json.Value.SerializerOptions);
            if (fingerprint is not null)
            {
                await using var save = new NpgsqlCommand(
                    // An expired answer for this key may still be stored (cleanup runs hourly): the new one replaces it.
                    """
                    insert into idempotency (tenant, key, fingerprint, status, body, location, version) values ($1, $2, $3, $4, $5, $6, $7)
                    on conflict (tenant, key) do update set fingerprint = excluded.fingerprint, status = excluded.status, body = excluded.body,
                        location = excluded.location, version = excluded.version, created_at = now()
                    """, connection, tx);
                save.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
                save.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
                save.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = fingerprint });
                save.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pending.Status });
                save.Parameters.Add(new NpgsqlParameter<string> { TypedValue = text });
                save.Parameters.Add(new NpgsqlParameter { Value = (object?)pending.Location ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                save.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
                await save.ExecuteNonQueryAsync(ct);
            }
            // A commit whose answer the connection lost is looked up: made (answered as made) or not (503).
            await Commits.CommitAsync(store.DataSource, tx, appendedEventId, ct);
            if (pending.Events.Count > 0) store.NotifyAppended();
            return Write(http, pending.Status, text, pending.Location, version);
        }
    }

    /// <summary>
    /// The remembered answer for this key (replayed), a 422 when the key was used for another request, or null when the key is new.
    /// With <paramref name="lockKey"/>, first takes the transaction's advisory lock on (tenant, key), in the same round trip: the
    /// lookup is a statement of its own, so under READ COMMITTED it sees whatever the previous holder of the lock committed.
    /// </summary>
    private static async Task<IResult?> RememberedAsync(HttpContext http, NpgsqlConnection connection, NpgsqlTransaction? tx, string tenant, string key,
        byte[] fingerprint, bool lockKey, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, tx);
        if (lockKey)
            batch.BatchCommands.Add(new NpgsqlBatchCommand("select pg_advisory_xact_lock(hashtextextended($1, 0))")
            {
                Parameters = { new NpgsqlParameter<string> { TypedValue = $"idempotency/{tenant}/{key}" } },
            });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "select fingerprint, status, body, location, version from idempotency where tenant = $1 and key = $2 and created_at > now() - $3")
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = tenant },
                new NpgsqlParameter<string> { TypedValue = key },
                new NpgsqlParameter<TimeSpan> { TypedValue = KeyLifetime },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (lockKey) await reader.NextResultAsync(ct); // past the lock's (void) row
        if (!await reader.ReadAsync(ct)) return null;
        if (!((byte[])reader[0]).AsSpan().SequenceEqual(fingerprint))
        {
            return TypedResults.Problem(title: "Idempotency key reused", statusCode: StatusCodes.Status422UnprocessableEntity,
                detail: $"The {KeyHeader} '{key}' was used for a different request. Use a new key for a new request.",
                type: Problems.TypeBase + "idempotency-key-reused");
        }
        http.Response.Headers["Idempotent-Replayed"] = "true";
        return Write(http, reader.GetInt32(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4));
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Write(HttpContext http, int status, string body, string? location, long version)
    {
        http.Response.Headers.ETag = Versions.ETag(version);
        if (location is not null) http.Response.Headers.Location = location;
        return TypedResults.Text(body, "application/json", Encoding.UTF8, status);
    }

    /// <summary>Method, path and the body as bound (so formatting and key order of the JSON do not matter).</summary>
    private byte[] Fingerprint(HttpRequest request, object? body)
    {
        var bodyJson = body is null ? "null" : JsonSerializer.Serialize(body, body.GetType(), json.Value.SerializerOptions);
        return SHA256.HashData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n{bodyJson}"));
    }
}

/// <summary>
/// Deletes remembered answers older than <see cref="Commands.KeyLifetime"/>, at start and then
/// hourly, in batches so no long transaction holds the table. Safe on every instance at once.
/// </summary>
public sealed class IdempotencyCleanup(NpgsqlDataSource dataSource, ILogger<IdempotencyCleanup> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    private const int BatchSize = 5000;

    /// <summary>Deletes every expired answer; returns how many.</summary>
    public static async Task<long> PurgeExpiredAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        long total = 0;
        while (true)
        {
            await using var cmd = dataSource.CreateCommand(
                "delete from idempotency where ctid in (select ctid from idempotency where created_at <= now() - $1 limit $2)");
            cmd.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = Commands.KeyLifetime });
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = BatchSize });
            var deleted = await cmd.ExecuteNonQueryAsync(ct);
            total += deleted;
            if (deleted < BatchSize) return total;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                var deleted = await PurgeExpiredAsync(dataSource, stoppingToken);
                if (deleted > 0) logger.LogInformation("Deleted {Count} expired idempotency answers", deleted);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // The next tick tries again; an expired answer is already ignored by RunAsync.
                logger.LogWarning(e, "Idempotency cleanup failed; retrying in {Interval}", Interval);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
