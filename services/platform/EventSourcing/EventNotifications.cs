using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ppid.Platform.EventSourcing;

/// <summary>
/// Wakes readers (forwarder, async projections) when events are appended, in this process at once
/// and in other processes through PostgreSQL LISTEN/NOTIFY.
///
/// Appends do not NOTIFY inside their own transaction: PostgreSQL serializes the commits of
/// notifying transactions on one global lock, which would defeat group commit under concurrent
/// writers. Instead a pump sends one coalesced NOTIFY after commits, from its own connection.
/// Readers still poll on a fallback interval, so a lost notification delays, never loses, events.
/// </summary>
public sealed class EventNotifications(NpgsqlDataSource dataSource, ILogger<EventNotifications> logger) : IAsyncDisposable
{
    public const string Channel = "ppid_events";

    private readonly SemaphoreSlim _pumpRequests = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _next = NewSignal();
    private Task? _listener;
    private Task? _pump;
    private int _disposed;

    /// <summary>A task that completes at the next wake-up. Take it before reading, await it after reading nothing.</summary>
    public Task NextWakeUp => Volatile.Read(ref _next).Task;

    public void Start()
    {
        _listener ??= Task.Run(() => ListenAsync(_stopping.Token));
        _pump ??= Task.Run(() => PumpAsync(_stopping.Token));
    }

    /// <summary>Called after an append committed.</summary>
    public void Appended()
    {
        Wake();
        if (_pump is not null) _pumpRequests.Release();
    }

    public void Wake() => Interlocked.Exchange(ref _next, NewSignal()).TrySetResult();

    /// <summary>Waits for a wake-up taken earlier with <see cref="NextWakeUp"/>, at most <paramref name="timeout"/>.</summary>
    public static async Task WaitAsync(Task wakeUp, TimeSpan timeout, CancellationToken ct)
    {
        // A timeout is the fallback poll (read again anyway), not a failure: no exception for it
        // (every idle reader met one per poll interval).
        await wakeUp.WaitAsync(timeout, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        ct.ThrowIfCancellationRequested();
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await dataSource.OpenConnectionAsync(ct);
                connection.Notification += (_, _) => Wake();
                await using (var listen = new NpgsqlCommand($"listen {Channel}", connection)) await listen.ExecuteNonQueryAsync(ct);
                Wake(); // anything appended while we were not listening
                while (!ct.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), ct))
                    {
                        await using var ping = new NpgsqlCommand("select 1", connection);
                        await ping.ExecuteScalarAsync(ct);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
            {
                logger.LogWarning(e, "Listening for event notifications failed; retrying in 1 s (readers fall back to polling)");
                Wake();
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ContinueWith(_ => { }, CancellationToken.None);
            }
            finally
            {
                // UNLISTEN before the pool takes it back: the pool does not reset connections (PpidDataSource).
                if (connection is not null) await Database.PpidDataSource.ReleaseSessionAsync(connection);
            }
        }
    }

    private async Task PumpAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _pumpRequests.WaitAsync(ct);
                while (_pumpRequests.CurrentCount > 0) await _pumpRequests.WaitAsync(ct); // coalesce
                await using var cmd = dataSource.CreateCommand($"select pg_notify('{Channel}', '')");
                await cmd.ExecuteNonQueryAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
            {
                logger.LogWarning(e, "Sending an event notification failed; other processes will poll");
                await Task.Delay(TimeSpan.FromMilliseconds(200), ct).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        // Both the host (on stop) and the container (on dispose) call this.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stopping.CancelAsync();
        foreach (var task in new[] { _listener, _pump })
        {
            if (task is null) continue;
            try { await task; } catch (OperationCanceledException) { }
        }
        _stopping.Dispose();
        _pumpRequests.Dispose();
    }
}
