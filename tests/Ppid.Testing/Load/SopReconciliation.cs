using System.Diagnostics;
using Npgsql;

namespace Ppid.Testing.Load;

/// <summary>One reconciliation check: what the driver's accepted commands imply, what the suite holds.</summary>
public sealed record ReconciliationCheck(string What, long Expected, long Actual)
{
    public bool Holds => Expected == Actual;
}

/// <summary>The outcome of <see cref="SopReconciliation.CheckAsync"/>: every check, and each one that failed explained.</summary>
public sealed record ReconciliationResult(IReadOnlyList<ReconciliationCheck> Checks, IReadOnlyList<string> Problems, IReadOnlyDictionary<string, long> Queues)
{
    public bool Holds => Problems.Count == 0;
}

/// <summary>
/// After a <see cref="SopLoad"/> run: every command the gateway accepted has exactly one effect
/// everywhere, and nothing else happened. Per tenant and event type, each service's event store holds
/// exactly as many events as accepted commands of that kind (plus the suite's own reactions: one
/// serta-merta <c>EntryPublished</c> per such item, one <c>EditionArchived</c> per edition); the
/// registry holds exactly the items registered; the archive's ledger holds every event of every
/// service exactly once, with no chain break; the work queues drained and no message sits in an
/// error or skipped queue. Asynchronous effects are awaited up to <c>patience</c> before judging.
/// </summary>
public static class SopReconciliation
{
    public static async Task<ReconciliationResult> CheckAsync(Suite suite, IReadOnlyList<LoadTenant> tenants, TimeSpan patience)
    {
        var expected = new Dictionary<(string Tenant, string Type), long>();
        foreach (var tenant in tenants)
        {
            foreach (var (type, count) in tenant.AcceptedByEventType) expected[(tenant.Name, type)] = count;
            if (!tenant.Editions.IsEmpty) expected[(tenant.Name, "archive.edition-archived.v1")] = tenant.Editions.Count;
        }
        var tenantNames = tenants.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

        // Wait until the asynchronous effects stop moving towards what is expected (or are all there).
        Dictionary<(string Tenant, string Type), long> actual = [];
        Dictionary<string, (long Events, long Ledger)> ledgerCounts = [];
        var deadline = Stopwatch.GetTimestamp() + (long)(patience.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            actual = await EventCountsAsync(suite, tenantNames);
            ledgerCounts = await LedgerCountsAsync(suite);
            var settled = expected.All(e => actual.GetValueOrDefault(e.Key) >= e.Value) && ledgerCounts.Values.All(c => c.Ledger >= c.Events);
            if (settled || Stopwatch.GetTimestamp() > deadline) break;
            await Task.Delay(250);
        }

        var checks = new List<ReconciliationCheck>();
        var problems = new List<string>();
        foreach (var key in expected.Keys.Union(actual.Keys).Order())
        {
            var check = new ReconciliationCheck($"{key.Tenant}: {key.Type} events", expected.GetValueOrDefault(key), actual.GetValueOrDefault(key));
            checks.Add(check);
            if (!check.Holds) problems.Add($"{check.What}: {check.Expected} accepted, {check.Actual} stored");
        }

        foreach (var tenant in tenants)
        {
            var items = await GuidsAsync(suite, "registry", "select item_id from items where tenant = $1", tenant.Name);
            var registered = tenant.Items.ToHashSet();
            checks.Add(new ReconciliationCheck($"{tenant.Name}: registry items", registered.Count, items.Count));
            if (!items.ToHashSet().SetEquals(registered) || items.Count != registered.Count)
                problems.Add($"{tenant.Name}: the registry holds {items.Count} items, {registered.Count} registrations were accepted, " +
                             $"{items.Except(registered).Count()} unknown, {registered.Except(items).Count()} missing");
        }

        foreach (var service in Suite.Backends)
        {
            var events = await GuidsAsync(suite, service, "select event_id from events");
            var ledger = await GuidsAsync(suite, "archive", "select event_id from ledger where source_service = $1", service);
            checks.Add(new ReconciliationCheck($"archive ledger: {service} events", events.Count, ledger.Count));
            if (ledger.Count != events.Count || !ledger.ToHashSet().SetEquals(events))
                problems.Add($"archive ledger: {service} has {events.Count} events, the ledger {ledger.Count} " +
                             $"({ledger.Count - ledger.Distinct().Count()} twice, {events.Except(ledger).Count()} missing, {ledger.Except(events).Count()} unknown)");
        }
        var breaks = await CountAsync(suite, "archive", "select count(*) from ledger_breaks");
        checks.Add(new ReconciliationCheck("archive ledger: chain breaks", 0, breaks));
        if (breaks != 0) problems.Add($"archive ledger: {breaks} chain breaks recorded");

        // The broker's statistics lag a few seconds: wait for the work queues to show empty.
        IReadOnlyDictionary<string, long> queues = new Dictionary<string, long>();
        var queueDeadline = Stopwatch.GetTimestamp() + (long)(Math.Min(patience.TotalSeconds, 30) * Stopwatch.Frequency);
        while (true)
        {
            queues = await suite.Vhost.QueuesAsync();
            if (queues.Values.All(n => n == 0) || Stopwatch.GetTimestamp() > queueDeadline) break;
            await Task.Delay(1000);
        }
        foreach (var (queue, messages) in queues.Where(q => q.Value != 0))
            problems.Add($"queue {queue} holds {messages} messages" + (IsParking(queue) ? " (an error or skipped queue)" : " (not drained)"));
        return new ReconciliationResult(checks, problems, queues);
    }

    private static bool IsParking(string queue) => queue.EndsWith("_error", StringComparison.Ordinal) || queue.EndsWith("_skipped", StringComparison.Ordinal);

    private static async Task<Dictionary<(string Tenant, string Type), long>> EventCountsAsync(Suite suite, HashSet<string> tenants)
    {
        var counts = new Dictionary<(string, string), long>();
        foreach (var service in Suite.Backends)
        {
            await using var cmd = suite.Database(service).DataSource.CreateCommand("select tenant, type, count(*) from events group by tenant, type");
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                if (tenants.Contains(reader.GetString(0))) counts[(reader.GetString(0), reader.GetString(1))] = reader.GetInt64(2);
        }
        return counts;
    }

    private static async Task<Dictionary<string, (long Events, long Ledger)>> LedgerCountsAsync(Suite suite)
    {
        var counts = new Dictionary<string, (long, long)>();
        foreach (var service in Suite.Backends)
            counts[service] = (await CountAsync(suite, service, "select count(*) from events"),
                await CountAsync(suite, "archive", $"select count(*) from ledger where source_service = '{service}'"));
        return counts;
    }

    private static async Task<List<Guid>> GuidsAsync(Suite suite, string service, string sql, params string[] parameters)
    {
        await using var cmd = suite.Database(service).DataSource.CreateCommand(sql);
        foreach (var parameter in parameters) cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = parameter });
        var ids = new List<Guid>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        return ids;
    }

    private static async Task<long> CountAsync(Suite suite, string service, string sql)
    {
        await using var cmd = suite.Database(service).DataSource.CreateCommand(sql);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
