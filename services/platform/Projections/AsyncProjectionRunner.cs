using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using Ppid.Platform.EventSourcing;

namespace Ppid.Platform.Projections;

public sealed record RebuildProgress(string Projection, long Applied, long Total, TimeSpan Elapsed)
{
    public double EventsPerSecond => Elapsed.TotalSeconds > 0 ? Applied / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Runs one projection asynchronously in commit order. Each batch is one transaction that locks
/// the projection's checkpoint row, applies the events and moves the checkpoint: a batch applies
/// exactly once even with several instances running (the others skip the locked row and wait).
/// </summary>
public sealed class AsyncProjectionRunner(EventStore store, IProjection projection, ILogger logger, EventNotifications? notifications = null)
{
    public int BatchSize { get; init; } = 1000;
    public TimeSpan FallbackPoll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await EnsureCheckpointAsync(store.DataSource, projection.Name, ct);
            var heldBackDelay = TimeSpan.FromMilliseconds(2);
            while (!ct.IsCancellationRequested)
            {
                var wakeUp = notifications?.NextWakeUp ?? Task.Delay(FallbackPoll, ct);
                BatchOutcome outcome;
                try
                {
                    outcome = await ApplyNextBatchAsync(BatchSize, ct);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Projection {Projection} batch failed; retrying in 1 s", projection.Name);
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                    continue;
                }
                if (outcome.Read > 0) heldBackDelay = TimeSpan.FromMilliseconds(2);
                // A full batch may have more behind it; after a shorter one, the wake-up taken before
                // the read tells whether anything was appended since.
                if (outcome.Read == BatchSize) continue;
                if (outcome.HeldBack || outcome.Locked)
                {
                    // Committed events wait behind an older open transaction (or another instance
                    // holds the batch): look again soon, backing off.
                    await Task.Delay(heldBackDelay, ct);
                    heldBackDelay = TimeSpan.FromMilliseconds(Math.Min(heldBackDelay.TotalMilliseconds * 2, 200));
                    continue;
                }
                await EventNotifications.WaitAsync(wakeUp, FallbackPoll, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Empties the read model, sets the checkpoint to zero and replays every event, reporting progress.</summary>
    public async Task<RebuildProgress> RebuildAsync(IProgress<RebuildProgress>? progress = null, int batchSize = 5000, CancellationToken ct = default)
    {
        var stopwatch = Stopwatch.StartNew();
        await EnsureCheckpointAsync(store.DataSource, projection.Name, ct);
        long total;
        await using (var connection = await store.DataSource.OpenConnectionAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            // Waits for a running batch of another instance, then holds it off until the reset commits.
            await using (var lockRow = new NpgsqlCommand("select 1 from checkpoints where name = $1 for update", connection, tx))
            {
                lockRow.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
                await lockRow.ExecuteNonQueryAsync(ct);
            }
            await projection.ResetAsync(connection, tx, ct);
            await using (var reset = new NpgsqlCommand("update checkpoints set transaction_id = '0', global_position = 0, updated_at = now() where name = $1", connection, tx))
            {
                reset.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
                await reset.ExecuteNonQueryAsync(ct);
            }
            await using (var count = new NpgsqlCommand("select count(*) from events", connection, tx))
            {
                total = (long)(await count.ExecuteScalarAsync(ct))!;
            }
            await tx.CommitAsync(ct);
        }
        long applied = 0;
        while (true)
        {
            var outcome = await ApplyNextBatchAsync(batchSize, ct, waitForLock: true);
            applied += outcome.Read;
            progress?.Report(new RebuildProgress(projection.Name, applied, Math.Max(total, applied), stopwatch.Elapsed));
            if (outcome.Read == 0 && !outcome.HeldBack) break;
            if (outcome.Read == 0) await Task.Delay(5, ct);
        }
        return new RebuildProgress(projection.Name, applied, Math.Max(total, applied), stopwatch.Elapsed);
    }

    private sealed record BatchOutcome(int Read, int Applied, bool HeldBack, bool Locked);

    private async Task<BatchOutcome> ApplyNextBatchAsync(int batchSize, CancellationToken ct, bool waitForLock = false)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        GlobalCursor cursor;
        await using (var cmd = new NpgsqlCommand(
            $"select transaction_id::text, global_position from checkpoints where name = $1 for update{(waitForLock ? "" : " skip locked")}", connection, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return new BatchOutcome(0, 0, false, Locked: true);
            cursor = new GlobalCursor(ulong.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetInt64(1));
        }
        var result = await store.ReadAllAsync(cursor, batchSize, ct);
        if (result.Events.Count == 0) return new BatchOutcome(0, 0, result.HeldBack, false);

        var relevant = result.Events.Where(e => projection.Handles(e.Type)).Select(store.Decode).ToList();
        // A batch spans many requests: the span stands alone and links to (up to 32 of) their traces.
        var links = relevant.Take(32)
            .Select(e => ActivityContext.TryParse(e.Metadata.TraceParent, e.Metadata.TraceState, out var c) ? new ActivityLink(c) : default)
            .Where(l => l.Context != default).ToList();
        // The operation name stays "projection apply" (the rebuild benchmark times it); the span's display name says which.
        using var activity = EventStore.ActivitySource.StartActivity("projection apply", ActivityKind.Internal, default(ActivityContext), links: links);
        activity?.DisplayName = "projection apply " + projection.Name;
        activity?.SetTag("ppid.projection", projection.Name);
        activity?.SetTag("ppid.position", result.Events[^1].GlobalPosition);
        activity?.SetTag("ppid.event_count", relevant.Count);
        if (relevant.Count > 0)
        {
            activity?.SetTag("ppid.tenant", string.Join(",", relevant.Select(e => e.Stored.Tenant).Distinct()));
            activity?.SetTag("ppid.stream", relevant.Count == 1 ? relevant[0].Stored.StreamId : null);
            activity?.SetTag("ppid.event_type", string.Join(",", relevant.Select(e => e.Stored.Type).Distinct()));
        }
        if (relevant.Count > 0) await projection.ApplyAsync(new ProjectionBatch(connection, tx, relevant), ct);
        await SaveCheckpointAsync(connection, tx, projection.Name, result.Events[^1].Cursor, ct);
        await tx.CommitAsync(ct);
        return new BatchOutcome(result.Events.Count, relevant.Count, result.HeldBack, false);
    }

    internal static async Task EnsureCheckpointAsync(NpgsqlDataSource dataSource, string name, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "insert into checkpoints (name, transaction_id, global_position, updated_at) values ($1, '0', 0, now()) on conflict (name) do nothing");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    internal static async Task SaveCheckpointAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string name, GlobalCursor cursor, CancellationToken ct)
    {
        // Never moves backwards, whoever writes.
        await using var cmd = new NpgsqlCommand(
            """
            update checkpoints set transaction_id = $2::text::xid8, global_position = $3, updated_at = now()
             where name = $1 and (transaction_id, global_position) < ($2::text::xid8, $3)
            """, connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cursor.TransactionId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = cursor.Position });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task<GlobalCursor> ReadCheckpointAsync(NpgsqlDataSource dataSource, string name, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("select transaction_id::text, global_position from checkpoints where name = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new GlobalCursor(ulong.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetInt64(1))
            : GlobalCursor.Start;
    }
}
