using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Ppid.Platform.Projections;
using RabbitMQ.Client;

namespace Ppid.Platform.Telemetry;

/// <summary>How far the forwarder is behind the event store.</summary>
/// <param name="Events">Events appended but not yet confirmed by the broker.</param>
/// <param name="Seconds">Age of the oldest of them (0 when none).</param>
public readonly record struct ForwarderLag(long Events, double Seconds);

/// <summary>One sample of every gauge.</summary>
public sealed record GaugeSample(
    ForwarderLag ForwarderLag,
    double OldestTransactionSeconds,
    IReadOnlyDictionary<string, long> QueueDepths,
    IReadOnlyDictionary<string, long> ErrorQueueDepths);

/// <summary>
/// Observable gauges that need a query: forwarder lag (events and seconds, from the events beyond
/// the forwarder's checkpoint, so it is right whichever instance leads and even when none does),
/// the age of the oldest open transaction on the service's database (a long one holds back every
/// reader of the events table), and the depth of each subscription's queue (consumer lag) and of
/// its <c>_error</c> queue. Queue depths come from a passive queue declare, which every RabbitMQ
/// answers (the management plugin is not needed); a queue that does not exist yet counts as empty.
/// Sampled by <see cref="GaugeSampler"/>; the gauges report the latest sample.
/// </summary>
public sealed class OperationalGauges : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _forwarderCheckpoint;
    private readonly Uri? _amqp;
    private readonly IReadOnlyList<string> _queues;
    private readonly Meter _forwarder = new(PlatformMetrics.ForwarderMeter);
    private readonly Meter _database = new(PlatformMetrics.DatabaseMeter);
    private readonly Meter _consumer = new(PlatformMetrics.ConsumerMeter);
    private readonly SemaphoreSlim _brokerGate = new(1, 1);
    private IConnection? _broker;

    public OperationalGauges(NpgsqlDataSource dataSource, string forwarderCheckpoint, Uri? amqp, IReadOnlyList<string> queues)
    {
        (_dataSource, _forwarderCheckpoint, _amqp, _queues) = (dataSource, forwarderCheckpoint, amqp, queues);
        _forwarder.CreateObservableGauge("ppid.forwarder.lag.events", () => Latest?.ForwarderLag.Events ?? 0, "{event}",
            "Events appended but not yet confirmed by the broker");
        _forwarder.CreateObservableGauge("ppid.forwarder.lag.seconds", () => Latest?.ForwarderLag.Seconds ?? 0, "s",
            "Age of the oldest event not yet confirmed by the broker");
        _database.CreateObservableGauge("ppid.database.oldest_transaction.age", () => Latest?.OldestTransactionSeconds ?? 0, "s",
            "Age of the oldest open transaction on the service's database");
        _consumer.CreateObservableGauge("ppid.consumer.queue.depth", () => Depths(Latest?.QueueDepths), "{message}",
            "Messages waiting in a subscription's queue (consumer lag)");
        _consumer.CreateObservableGauge("ppid.consumer.error_queue.depth", () => Depths(Latest?.ErrorQueueDepths), "{message}",
            "Messages in a subscription's _error queue, waiting for an operator");
    }

    /// <summary>The latest sample; null before the first.</summary>
    public GaugeSample? Latest { get; private set; }

    /// <summary>Queries everything once and makes it the gauges' value.</summary>
    public async Task<GaugeSample> SampleAsync(CancellationToken ct)
    {
        var lag = await ForwarderLagAsync(ct);
        var oldest = await OldestTransactionSecondsAsync(ct);
        IReadOnlyDictionary<string, long> depths = new Dictionary<string, long>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, long> errors = new Dictionary<string, long>(StringComparer.Ordinal);
        if (_amqp is not null && _queues.Count > 0)
        {
            try
            {
                var (d, e) = (new Dictionary<string, long>(StringComparer.Ordinal), new Dictionary<string, long>(StringComparer.Ordinal));
                foreach (var queue in _queues)
                {
                    d[queue] = await QueueDepthAsync(queue, ct);
                    e[queue] = await QueueDepthAsync(queue + "_error", ct);
                }
                (depths, errors) = (d, e);
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.OperationInterruptedException
                                          or RabbitMQ.Client.Exceptions.AlreadyClosedException or IOException or TimeoutException)
            {
                // The broker is away: the database gauges still move, the queue depths keep their last value.
                (depths, errors) = (Latest?.QueueDepths ?? depths, Latest?.ErrorQueueDepths ?? errors);
            }
        }
        var sample = new GaugeSample(lag, oldest, depths, errors);
        Latest = sample;
        return sample;
    }

    /// <summary>The forwarder's lag now (also the readiness check's measure).</summary>
    public Task<ForwarderLag> ForwarderLagAsync(CancellationToken ct) => ForwarderLagAsync(_dataSource, _forwarderCheckpoint, ct);

    /// <summary>The events beyond the checkpoint <paramref name="forwarderCheckpoint"/> in commit order, and the age of the oldest.</summary>
    public static async Task<ForwarderLag> ForwarderLagAsync(NpgsqlDataSource dataSource, string forwarderCheckpoint, CancellationToken ct)
    {
        var checkpoint = await AsyncProjectionRunner.ReadCheckpointAsync(dataSource, forwarderCheckpoint, ct);
        // A row comparison with parameters, so the commit-order index (transaction_id, global_position) serves it.
        await using var cmd = dataSource.CreateCommand(
            """
            select count(*), coalesce(extract(epoch from now() - min(recorded_at)), 0)::float8
              from events
             where (transaction_id, global_position) > ($1::text::xid8, $2)
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = checkpoint.TransactionId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = checkpoint.Position });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new ForwarderLag(reader.GetInt64(0), Math.Max(0, reader.GetDouble(1)));
    }

    private async Task<double> OldestTransactionSecondsAsync(CancellationToken ct)
    {
        await using var cmd = _dataSource.CreateCommand(
            """
            select coalesce(extract(epoch from now() - min(xact_start)), 0)::float8
              from pg_stat_activity
             where datname = current_database() and xact_start is not null and pid <> pg_backend_pid()
            """);
        return Math.Max(0, (double)(await cmd.ExecuteScalarAsync(ct))!);
    }

    private async Task<long> QueueDepthAsync(string queue, CancellationToken ct)
    {
        await _brokerGate.WaitAsync(ct);
        try
        {
            if (_broker is not { IsOpen: true })
            {
                if (_broker is not null) await _broker.DisposeAsync();
                var factory = new ConnectionFactory
                {
                    Uri = _amqp!, AutomaticRecoveryEnabled = false, RequestedConnectionTimeout = TimeSpan.FromSeconds(3), ClientProvidedName = "ppid-gauges",
                };
                _broker = await factory.CreateConnectionAsync(ct);
            }
            // A passive declare of a missing queue closes its channel: one channel per question.
            await using var channel = await _broker.CreateChannelAsync(cancellationToken: ct);
            try
            {
                return (await channel.QueueDeclarePassiveAsync(queue, ct)).MessageCount;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
            {
                return 0;
            }
        }
        finally
        {
            _brokerGate.Release();
        }
    }

    private static IEnumerable<Measurement<long>> Depths(IReadOnlyDictionary<string, long>? depths) =>
        depths?.Select(d => new Measurement<long>(d.Value, new KeyValuePair<string, object?>("ppid.queue", d.Key))) ?? [];

    public async ValueTask DisposeAsync()
    {
        _forwarder.Dispose();
        _database.Dispose();
        _consumer.Dispose();
        if (_broker is not null) await _broker.DisposeAsync();
        _brokerGate.Dispose();
    }
}

/// <summary>Samples <see cref="OperationalGauges"/> every <paramref name="interval"/>; a failed sample is logged and the last one stays.</summary>
public sealed class GaugeSampler(OperationalGauges gauges, TimeSpan interval, ILogger<GaugeSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                try
                {
                    await gauges.SampleAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogDebug(e, "Sampling the operational gauges failed; keeping the last sample");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }
}
