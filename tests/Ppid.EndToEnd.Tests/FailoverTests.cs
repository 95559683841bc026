using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using Ppid.Demo;
using Ppid.Platform.Messaging;
using Ppid.Testing;
using Xunit.Abstractions;

namespace Ppid.EndToEnd.Tests;

/// <summary>The suite with every service running as two instances on one database and vhost, behind the gateway.</summary>
public sealed class TwoOfEverything : Suite
{
    // Production settings throughout: the expiry scheduler's standby retries the lock every
    // Classification:Expiry:StandbyRetry (5 s), whatever its run interval (15 min).
    public TwoOfEverything() : base(instancesPerService: 2) { }
}

/// <summary>
/// Issue 8, two of everything: under a steady stream of registrations through the gateway, the
/// registry's forwarder leader is SIGKILLed (the other instance takes the forwarder lock within
/// 10 s, the gateway routes around the dead one) and then the archive instance leading its own
/// forwarder, a consumer of the ledger queue like its twin, is SIGKILLed too, and then the
/// classification instance running the expiry scheduler (a consumer of registry events). Afterwards every
/// accepted command is exactly one item and one registration event, every registry event is
/// exactly once in the archive ledger, in classification's known items and publication's catalog,
/// and no message went to an error queue.
/// </summary>
public sealed class FailoverTests(TwoOfEverything suite, ITestOutputHelper output) : IClassFixture<TwoOfEverything>
{
    private const string Tenant = "kota-failover";
    private static readonly TimeSpan TakeoverLimit = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly Actor Secretariat = new("siti.sekretariat", "sekretariat");
    private static readonly Actor Unit = new("budi.dinkes", "unit-kerja");

    [Fact]
    public async Task Killing_the_forwarder_leader_and_a_consumer_under_load_loses_nothing_and_applies_nothing_twice()
    {
        using var http = suite.Client();
        var api = new PpidApi(http, await suite.CreateKeyAsync(Tenant, "registry:write", "e2e-failover"));
        await api.ExpectAsync("unit", HttpMethod.Put, "/api/v1/registry/units/DINKES", new JsonObject { ["name"] = "Dinas Kesehatan" }, Secretariat);
        await api.ExpectAsync("record class", HttpMethod.Put, "/api/v1/registry/record-classes/900.1",
            new JsonObject { ["name"] = "Keuangan", ["activeYears"] = 2, ["inactiveYears"] = 5, ["disposition"] = "permanent" }, Secretariat);

        // One leader per service before anything dies (each takes its lock shortly after start-up).
        foreach (var service in Suite.Backends)
            await PpidApi.EventuallyAsync($"one {service} forwarder leader", () => LockHoldersAsync(service, ForwarderLock(service)), h => h.Count == 1, Patience);
        const string schedulerLock = "classification/expiry-scheduler"; // ExpiryService.LockName (this project does not reference the service's assembly)
        await PpidApi.EventuallyAsync("one expiry scheduler leader", () => LockHoldersAsync("classification", schedulerLock), h => h.Count == 1, Patience);

        var load = new RegistrationLoad(api, callers: 4);
        try
        {
            await load.WaitForAcceptedAsync(30, Patience);

            // The registry's forwarder leader dies mid-stream; the gateway routes around it.
            var (registryTakeover, registryVictim) = await KillLeaderAndMeasureTakeoverAsync("registry", ForwarderLock("registry"));
            await load.WaitForAcceptedAsync(load.AcceptedCount + 30, Patience);

            // It comes back as a standby: the survivor keeps the lead, never two leaders.
            var registryLeader = (await LockHoldersAsync("registry", ForwarderLock("registry"))).Single();
            await suite.RestartAsync("registry", registryVictim);
            await load.WaitForAcceptedAsync(load.AcceptedCount + 30, Patience);
            (await LockHoldersAsync("registry", ForwarderLock("registry"))).ShouldBe([registryLeader], "the restarted instance waits as a standby");

            // A consumer dies mid-stream: the archive instance leading archive's forwarder, which
            // consumes the ledger queue in competition with its twin.
            var ledgerConsumers = await PpidApi.EventuallyAsync("two instances consume the ledger queue", () => ConsumersAsync(LedgerQueue), n => n >= 2, Patience);
            var (archiveTakeover, _) = await KillLeaderAndMeasureTakeoverAsync("archive", ForwarderLock("archive"));
            var ledgerBefore = await CountAsync("archive", "select count(*) from ledger where source_service = 'registry'");
            var acceptedAfterArchiveKill = load.AcceptedCount;
            await load.WaitForAcceptedAsync(acceptedAfterArchiveKill + 30, Patience);
            await PpidApi.EventuallyAsync("the broker drops the dead instance's consumer", () => ConsumersAsync(LedgerQueue),
                n => n > 0 && n < ledgerConsumers, Patience);
            var ledgerAfter = await CountAsync("archive", "select count(*) from ledger where source_service = 'registry'");
            ledgerAfter.ShouldBeGreaterThan(ledgerBefore, "the surviving archive instance kept consuming");

            // The scheduler's leader (also a consumer of registry events) dies.
            var (schedulerTakeover, _) = await KillLeaderAndMeasureTakeoverAsync("classification", schedulerLock);
            await load.WaitForAcceptedAsync(load.AcceptedCount + 30, Patience);

            output.WriteLine($"takeover: registry forwarder {registryTakeover.TotalSeconds:F2} s, archive forwarder {archiveTakeover.TotalSeconds:F2} s, " +
                $"classification expiry scheduler {schedulerTakeover.TotalSeconds:F2} s");
            registryTakeover.ShouldBeLessThanOrEqualTo(TakeoverLimit, "the registry's standby forwarder took the lock");
            archiveTakeover.ShouldBeLessThanOrEqualTo(TakeoverLimit, "the archive's standby forwarder took the lock");
            schedulerTakeover.ShouldBeLessThanOrEqualTo(TakeoverLimit, "the standby expiry scheduler took the lock");
        }
        finally
        {
            await load.StopAsync();
        }

        output.WriteLine($"accepted registrations: {load.AcceptedCount}; retried attempts: {load.Retries} " +
            $"({string.Join(", ", load.RetryReasons.Select(r => $"{r.Key}: {r.Value}"))})");
        load.Unexpected.ShouldBeEmpty("every registration is eventually accepted (failures are retried with the same key)");
        await ReconcileAsync(load.Accepted);
    }

    private const string LedgerQueue = "archive.ledger";

    /// <summary>SIGKILLs the instance holding the lock in the service's database; answers how long until another instance held it, and the killed instance's index.</summary>
    private async Task<(TimeSpan Takeover, int Killed)> KillLeaderAndMeasureTakeoverAsync(string service, string lockName)
    {
        var leaderName = (await LockHoldersAsync(service, lockName)).Single();
        var index = suite.Instances(service).Select(p => p.Name).ToList().IndexOf(leaderName);
        var leader = suite.Instances(service)[index];
        var clock = Stopwatch.StartNew();
        leader.Kill();
        while (true)
        {
            var holders = await LockHoldersAsync(service, lockName);
            if (holders.Count == 1 && holders[0] != leaderName)
            {
                output.WriteLine($"{service}: killed {leaderName}; {holders[0]} holds the lock after {clock.Elapsed.TotalSeconds:F2} s");
                return (clock.Elapsed, index);
            }
            if (clock.Elapsed > Patience)
            {
                // Say what the instances were doing: a survivor that exited, or one still waiting, reads differently.
                var state = string.Join("\n", suite.Instances(service).Select(p =>
                    $"--- {p.Name}: {(p.HasExited ? $"exited ({p.ExitCode})" : "running")}\n{p.Tail()}"));
                throw new TimeoutException($"{service}: no instance took the lock within {Patience} of killing {leaderName}; holders now: [{string.Join(", ", holders)}]\n{state}");
            }
            await Task.Delay(100);
        }
    }

    private static string ForwarderLock(string service) => new ForwarderOptions { ServiceName = service }.CheckpointName;

    /// <summary>
    /// The application names (instance names) of the sessions holding the session advisory lock named
    /// <paramref name="lockName"/> (PpidDataSource.TryTakeSessionLockAsync: key <c>hashtextextended(name, 0)</c>) in the service's database.
    /// </summary>
    private async Task<List<string>> LockHoldersAsync(string service, string lockName)
    {
        await using var cmd = suite.Database(service).DataSource.CreateCommand(
            """
            select a.application_name from pg_locks l join pg_stat_activity a using (pid)
            where l.locktype = 'advisory' and l.granted and l.objsubid = 1
              and l.database = (select oid from pg_database where datname = current_database())
              and ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = lockName });
        var holders = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) holders.Add(reader.GetString(0));
        return holders;
    }

    private async Task ReconcileAsync(IReadOnlyDictionary<string, Guid> accepted)
    {
        var items = accepted.Values.ToHashSet();
        items.Count.ShouldBe(accepted.Count, "each idempotency key got its own item");

        // Registry: one item row and one registration event per accepted command, nothing else.
        (await GuidsAsync("registry", "select item_id from items where tenant = $1", Tenant)).ShouldBe(items, ignoreOrder: true);
        var registrations = await GuidsAsync("registry",
            "select substr(stream_id, 6)::uuid from events where tenant = $1 and type like '%item-registered%' and stream_id like 'item-%'", Tenant);
        registrations.Count.ShouldBe(items.Count, "one registration event per item");
        registrations.ShouldBe(items, ignoreOrder: true);
        var registryEvents = await GuidsAsync("registry", "select event_id from events");

        // Downstream, once every copy has arrived: each registry event once in the ledger and in each consumer's inbox.
        await PpidApi.EventuallyAsync("the consumers catch up",
            async () => (Ledger: await CountAsync("archive", "select count(*) from ledger where source_service = 'registry'"),
                Known: await CountAsync("classification", $"select count(*) from known_items where tenant = '{Tenant}'"),
                Catalog: await CountAsync("publication", $"select count(*) from catalog where tenant = '{Tenant}' and details is not null")),
            c => c.Ledger >= registryEvents.Count && c.Known >= items.Count && c.Catalog >= items.Count, Patience);

        var ledger = await GuidsAsync("archive", "select event_id from ledger where source_service = 'registry'");
        ledger.Count.ShouldBe(registryEvents.Count, "each registry event is in the ledger once");
        ledger.ShouldBe(registryEvents, ignoreOrder: true);
        (await CountAsync("archive", "select count(*) from ledger_breaks")).ShouldBe(0, "no stream's chain broke");
        (await InboxAsync("archive", "archive.ledger")).ShouldBe(registryEvents, ignoreOrder: true);

        (await GuidsAsync("classification", "select item_id from known_items where tenant = $1", Tenant)).ShouldBe(items, ignoreOrder: true);
        // Both follow the item streams (classification the cycles too, of which this test makes none).
        var itemEvents = await GuidsAsync("registry", "select e.event_id from events e join streams s on s.id = e.stream_id where s.type = 'registry.item'");
        itemEvents.Count.ShouldBeGreaterThanOrEqualTo(items.Count);
        (await InboxAsync("classification", "classification.registry")).ShouldBe(itemEvents, ignoreOrder: true);

        (await GuidsAsync("publication", "select item_id from catalog where tenant = $1 and details is not null", Tenant)).ShouldBe(items, ignoreOrder: true);
        await PpidApi.EventuallyAsync("publication's inbox", () => InboxAsync("publication", "publication.catalog"), i => i.Count >= itemEvents.Count, Patience);
        (await InboxAsync("publication", "publication.catalog")).ShouldBe(itemEvents, ignoreOrder: true);

        // Nothing failed on the way: the work queues drained (the broker's statistics lag a few
        // seconds, so wait for that first) and no message is in an error (or skipped) queue.
        string[] queues = ["archive.ledger", "classification.registry", "publication.catalog", "registry.status"];
        await PpidApi.EventuallyAsync("the work queues drain",
            async () => (await Task.WhenAll(queues.Select(q => suite.Vhost.QueueDepthAsync(q)))).Sum(), depth => depth == 0, Patience);
        foreach (var queue in queues)
        {
            (await suite.Vhost.QueueDepthAsync(queue + "_error")).ShouldBe(0, queue + "_error");
            (await suite.Vhost.QueueDepthAsync(queue + "_skipped")).ShouldBe(0, queue + "_skipped");
        }
    }

    /// <summary>Consumers of a queue of the suite's vhost, from the RabbitMQ management API (statistics a few seconds old).</summary>
    private async Task<int> ConsumersAsync(string queue)
    {
        var management = TestInfrastructure.RabbitMqManagement;
        using var http = new HttpClient { BaseAddress = new UriBuilder(management) { UserName = "", Password = "" }.Uri };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Uri.UnescapeDataString(management.UserInfo))));
        using var response = await http.GetAsync(new Uri($"api/queues/{Uri.EscapeDataString(suite.Vhost.Name)}/{Uri.EscapeDataString(queue)}", UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.NotFound) return 0;
        response.EnsureSuccessStatusCode();
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("consumers", out var consumers) ? consumers.GetInt32() : 0;
    }

    private async Task<List<Guid>> InboxAsync(string service, string consumer) =>
        await GuidsAsync(service, "select event_id from inbox where consumer = $1", consumer);

    private async Task<List<Guid>> GuidsAsync(string service, string sql, params string[] parameters)
    {
        await using var cmd = suite.Database(service).DataSource.CreateCommand(sql);
        foreach (var parameter in parameters) cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = parameter });
        var ids = new List<Guid>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        return ids;
    }

    private async Task<long> CountAsync(string service, string sql)
    {
        await using var cmd = suite.Database(service).DataSource.CreateCommand(sql);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Callers registering items through the gateway, each command with its own Idempotency-Key and
    /// retried with that key on a 5xx or no answer until accepted: a command once started is
    /// always finished, so every item the registry holds is one the load knows as accepted.
    /// </summary>
    private sealed class RegistrationLoad
    {
        private readonly PpidApi _api;
        private readonly TimeProvider _clock;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task[] _callers;
        private int _retries;

        public RegistrationLoad(PpidApi api, int callers, TimeProvider? clock = null)
        {
            _api = api;
            _clock = clock ?? TimeProvider.System;
            _callers = [.. Enumerable.Range(0, callers).Select(_ => Task.Run(CallAsync))];
        }

        public ConcurrentDictionary<string, Guid> Accepted { get; } = new();
        public ConcurrentBag<string> Unexpected { get; } = [];
        public int AcceptedCount => Accepted.Count;
        public int Retries => _retries;

        /// <summary>Why attempts were retried: a status code, or "no answer".</summary>
        public ConcurrentDictionary<string, int> RetryReasons { get; } = new();

        public async Task WaitForAcceptedAsync(int count, TimeSpan timeout)
        {
            var accepted = await Poll.UntilAsync(() => Unexpected.IsEmpty
                ? Task.FromResult(AcceptedCount >= count)
                : throw new InvalidOperationException("Unexpected answers: " + string.Join("\n", Unexpected)), timeout, clock: _clock);
            if (!accepted) throw new TimeoutException($"{count} registrations not accepted within {timeout} (have {AcceptedCount}, {Retries} retries)");
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_callers);
        }

        private async Task CallAsync()
        {
            while (!_stop.IsCancellationRequested && Unexpected.IsEmpty)
            {
                var key = Guid.NewGuid().ToString("N");
                var item = Sop.Item($"Dokumen uji failover {key[..12]}", "Dokumen yang didaftarkan selama uji failover.", "DINKES", "report", "900.1");
                var started = _clock.GetTimestamp();
                while (true)
                {
                    ApiAnswer? answer = null;
                    try
                    {
                        using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                        answer = await _api.SendAsync(HttpMethod.Post, "/api/v1/registry/items", item, Unit, idempotencyKey: key, ct: attempt.Token);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        // No answer: the command may or may not have been applied; the same key finds out.
                    }
                    if (answer is { Status: HttpStatusCode.Created or HttpStatusCode.OK })
                    {
                        Accepted[key] = answer.Json.GetProperty("id").GetGuid();
                        break;
                    }
                    if (answer is not null && (int)answer.Status < 500 && answer.Status != HttpStatusCode.TooManyRequests)
                    {
                        Unexpected.Add($"{key}: {answer}");
                        return;
                    }
                    if (_clock.GetElapsedTime(started) > TimeSpan.FromSeconds(90))
                    {
                        Unexpected.Add($"{key}: still failing after 90 s; last {answer?.ToString() ?? "no answer"}");
                        return;
                    }
                    Interlocked.Increment(ref _retries);
                    RetryReasons.AddOrUpdate(answer is null ? "no answer" : ((int)answer.Status).ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                    await Task.Delay(200);
                }
                await Task.Delay(100);
            }
        }
    }
}
