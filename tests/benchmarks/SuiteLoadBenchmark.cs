using System.Diagnostics;
using System.Globalization;
using Ppid.Testing.Load;

namespace Ppid.Benchmarks;

/// <summary>Resident memory of each process of the suite: settled after start (idle), and the peak sampled under load.</summary>
internal sealed record ServiceMemory(string Service, double IdleMb, double PeakUnderLoadMb);

/// <summary>One tenant count's run of the whole suite under the SOP load.</summary>
/// <summary>CPU seconds each part of the machine used while the load ran (the driver is this benchmark process).</summary>
internal sealed record CpuShare(string Part, double Seconds);

internal sealed record SuiteLoadRun(int Tenants, SopLoadResult Load, ServerSideTimings ServerSide, ReconciliationResult Reconciliation, IReadOnlyList<ServiceMemory> Memory,
    IReadOnlyList<CpuShare> Cpu, double MachineBusySeconds, double StolenSeconds);

internal sealed record SuiteLoadResults(IReadOnlyList<SuiteLoadRun> Runs, double CommandsPerSecond, int Items, int WarmupItems);

/// <summary>
/// Issue 9: the whole suite (four services and the gateway as Release processes, Production
/// configuration, fresh databases and vhost) under the SOP load driver (<see cref="SopLoad"/>) at a
/// set command rate, for 1, 10 and 100 tenants sharing the same number of items. Per run: command
/// latency, ratification → public page and → archive, throughput, refusals, the reconciliation, and
/// each process's resident memory idle and at its peak under the load.
/// </summary>
internal sealed class SuiteLoadBenchmark(BenchOptions options, Action<string> log)
{
    public async Task<SuiteLoadResults> RunAsync()
    {
        var runs = new List<SuiteLoadRun>();
        foreach (var tenants in options.SuiteTenantCounts) runs.Add(await RunAsync(tenants));
        return new SuiteLoadResults(runs, options.SuiteCommandsPerSecond, options.SuiteItems, options.SuiteWarmupItems);
    }

    private async Task<SuiteLoadRun> RunAsync(int tenantCount)
    {
        log($"suite load: {tenantCount} tenant(s), {options.SuiteItems} items, {options.SuiteCommandsPerSecond} commands/s: starting the suite");
        var suite = new UnthrottledSuite();
        try
        {
            await suite.InitializeAsync();
            // Idle: after start-up work (migrations, first connections) has settled.
            await Task.Delay(options.SuiteIdleSettle);
            var idle = suite.Processes.ToDictionary(p => p.Key, p => ResidentMb(p.Value.Pid));
            log($"suite load: idle RSS {string.Join(", ", idle.Select(kv => $"{kv.Key} {kv.Value:0} MB"))}");

            using var http = suite.Client();
            await WarmUpAsync(suite, http);
            var perTenant = Math.Max(1, options.SuiteItems / tenantCount);
            var loadOptions = new SopLoadOptions
            {
                Tenants = tenantCount,
                ItemsPerTenant = perTenant,
                // Larger rounds keep more items in flight for a single tenant (the SOP's steps of one item are sequential).
                ItemsPerRound = Math.Min(25, perTenant),
                CommandsPerSecond = options.SuiteCommandsPerSecond,
            };
            var tenants = await SopLoad.PrepareTenantsAsync(http, loadOptions, t => suite.CreateKeyAsync(t, SopLoad.AllScopes, "load-benchmark"));
            log($"suite load: {tenantCount} tenant(s) prepared; running");

            var peak = idle.ToDictionary(kv => kv.Key, kv => kv.Value);
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    foreach (var (name, process) in suite.Processes) peak[name] = Math.Max(peak[name], ResidentMb(process.Pid));
                    try { await Task.Delay(500, sampling.Token); } catch (OperationCanceledException) { }
                }
            });
            var cpuBefore = CpuParts(suite);
            var busyBefore = MachineCpu.Busy();
            var stolenBefore = MachineCpu.Stolen();
            var result = await new SopLoad(http, tenants, loadOptions).RunAsync();
            var busy = (MachineCpu.Busy() - busyBefore).TotalSeconds;
            var stolen = (MachineCpu.Stolen() - stolenBefore).TotalSeconds;
            var cpu = CpuParts(suite).Select(p => new CpuShare(p.Part, p.Seconds - cpuBefore.Single(b => b.Part == p.Part).Seconds)).ToList();
            await sampling.CancelAsync();
            await sampler;
            log($"suite load: {result.AcceptedCommands} commands at {result.Throughput:0.0}/s; ratification → public p99 {SopLoadReport.Ms(result.RatificationToPublic.P99)} ms; reconciling");

            var reconciliation = await SopReconciliation.CheckAsync(suite, tenants, TimeSpan.FromSeconds(120));
            if (!reconciliation.Holds) log("suite load: reconciliation problems: " + string.Join("; ", reconciliation.Problems));
            var serverSide = await SopTimings.SertaMertaAsync(suite, tenants, result.PublicSightings, slowest: 3);
            log($"suite load: server-side ratification → public p50 {SopLoadReport.Ms(serverSide.RatificationToPublic.P50)} / p99 {SopLoadReport.Ms(serverSide.RatificationToPublic.P99)} ms " +
                $"(→ publication's consumer p50 {SopLoadReport.Ms(serverSide.RatificationToConsumed.P50)} / p99 {SopLoadReport.Ms(serverSide.RatificationToConsumed.P99)} ms); " +
                "CPU s: " + string.Join(", ", cpu.Select(c => $"{c.Part} {c.Seconds:0.0}")) + $"; machine busy {busy:0.0} s of {result.Took.TotalSeconds * Environment.ProcessorCount:0} s (stolen by the hypervisor {stolen:0.0} s)");
            foreach (var x in serverSide.Slowest) log($"suite load: slow sighting {x}");
            return new SuiteLoadRun(tenantCount, result, serverSide, reconciliation,
                [.. idle.Keys.Select(name => new ServiceMemory(name, idle[name], peak[name]))], cpu, busy, stolen);
        }
        finally
        {
            await suite.DisposeAsync();
        }
    }

    /// <summary>
    /// A short SOP load on tenants of their own before the measured run: services run for months,
    /// so the report measures them warm (code paths JIT-compiled and re-compiled at tier 1, pools
    /// filled), not their first seconds. The warm-up's tenants are not in the measured figures; its
    /// events are in the archive's ledger and the reconciliation counts them there like any others.
    /// </summary>
    private async Task WarmUpAsync(Suite suite, HttpClient http)
    {
        if (options.SuiteWarmupItems == 0) return;
        var warmup = new SopLoadOptions
        {
            Tenants = 2, ItemsPerTenant = options.SuiteWarmupItems / 2, ItemsPerRound = Math.Min(25, options.SuiteWarmupItems / 2),
            CommandsPerSecond = options.SuiteCommandsPerSecond, TenantPrefix = "kota-pemanasan",
        };
        var tenants = await SopLoad.PrepareTenantsAsync(http, warmup, t => suite.CreateKeyAsync(t, SopLoad.AllScopes, "load-benchmark-warmup"));
        var result = await new SopLoad(http, tenants, warmup).RunAsync();
        log($"suite load: warmed up with {result.AcceptedCommands} commands ({options.SuiteWarmupItems} items on 2 tenants of their own)");
    }

    /// <summary>CPU seconds so far of each process of the suite, of this process (the load driver), of PostgreSQL and of RabbitMQ.</summary>
    private static List<CpuShare> CpuParts(Suite suite)
    {
        using var self = Process.GetCurrentProcess();
        return
        [
            .. suite.Processes.Select(p => new CpuShare(p.Key, p.Value.CpuTime().TotalSeconds)),
            new("load driver", self.TotalProcessorTime.TotalSeconds),
            new("PostgreSQL", MachineCpu.OfCommand("postgres").TotalSeconds),
            new("RabbitMQ", MachineCpu.OfCommand("beam.smp").TotalSeconds),
        ];
    }

    /// <summary>VmRSS of a process, in MB (from /proc).</summary>
    private static double ResidentMb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return double.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        throw new InvalidOperationException($"no VmRSS for process {pid}");
    }
}

internal static class SuiteLoadReport
{
    public const double RatificationToPublicP99TargetMs = 100;
    public const double CommandsPerSecondTarget = 50;
    public const double IdleMemoryTargetMb = 150;

    public static void Summary(Line L, SuiteLoadResults r, string run)
    {
        foreach (var x in r.Runs)
        {
            var p99 = x.Load.RatificationToPublic.P99;
            L($"| suite: serta-merta ratification → public page p99, {x.Tenants} tenant{(x.Tenants == 1 ? "" : "s")}, {Format.Rate(r.CommandsPerSecond)} commands/s | < {RatificationToPublicP99TargetMs} ms at {CommandsPerSecondTarget} commands/s | {Format.Ms(p99)} ms seen by the client (p50 {Format.Ms(x.Load.RatificationToPublic.P50)} ms; in the services' records p50 {Format.Ms(x.ServerSide.RatificationToPublic.P50)}, p99 {Format.Ms(x.ServerSide.RatificationToPublic.P99)} ms; {x.Load.Throughput:0.0} commands/s achieved; the hypervisor stole {x.StolenSeconds:0.0} s of CPU meanwhile) | {Format.Met(p99 < RatificationToPublicP99TargetMs && x.Load.Throughput >= CommandsPerSecondTarget * 0.95 && x.Reconciliation.Holds)} | {run} |");
        }
        foreach (var x in r.Runs.Take(1))
            foreach (var m in x.Memory)
                L($"| suite: {m.Service} resident memory idle | < {IdleMemoryTargetMb} MB | {m.IdleMb:0} MB (peak under load {m.PeakUnderLoadMb:0} MB) | {Format.Met(m.IdleMb < IdleMemoryTargetMb)} | {run} |");
    }

    public static void Write(Line L, SuiteLoadResults r)
    {
        L("## 6. The whole suite under the SOP load");
        L();
        L($"The four services and the gateway as Release processes in Production mode (one instance each, fresh databases and vhost");
        L($"per run), driven through the gateway by the SOP load driver (`tests/Ppid.Testing/Load/SopLoad.cs`) at {Format.Rate(r.CommandsPerSecond)} commands/s:");
        L($"{Format.Count(r.Items)} items in all, spread over {string.Join(", ", r.Runs.Select(x => x.Tenants))} tenants, each through a DIP update cycle (register, submit, verify, close), the");
        L("classification workflow (proposal — with a full consequence test for exempt items —, two consultations, meeting, determination,");
        L("ratification) and an edition per round of up to 25 items; the items rotate through serta-merta, berkala, setiap saat and dikecualikan.");
        L("Serta-merta items go public on ratification (publication's fast path): the driver polls their public page every 10 ms and the");
        L("archive's item history every 50 ms from the ratification's answer (\"seen by the client\"; the polls cost CPU on these two cores), and");
        L("`SopTimings` reads the same intervals from the services' own records (ratified event → `EntryPublished` event → the archive's");
        L("receipt of it, one machine clock). Every run ends with the reconciliation of `SopReconciliation`");
        L("(per tenant and event type, stored events = accepted commands; the archive's ledger holds every event of every service once).");
        L("Resident memory (VmRSS) is read from /proc: idle = after start-up and a settle time, peak = the highest sample (every 0.5 s) under load.");
        L("The gateway's per-key rate limit is raised for these runs (one key per tenant does the work of a body's whole staff).");
        L($"Before each measured run the suite is warmed up with {Format.Count(r.WarmupItems)} items through the same SOP on two tenants of their own");
        L("(services run for months: the figures are for warm processes, not for their first JIT-compiling seconds); those tenants are not in the figures.");
        L("\"Ratified → publication's consumer\" is the part of the services' records figure before publication's consumer transaction began");
        L("(classification's forwarder, the broker and the queue's wait); the rest is that transaction.");
        L();
        L("| tenants | commands accepted | achieved commands/s | command latency p50 / p95 / p99 ms | serta-merta ratification → public p50 / p95 / p99 ms, seen by the client | the same in the services' records | of which ratified → publication's consumer p50 / p99 ms | → archive p50 / p99 ms, client / records | edition → archived p50 / p99 ms | refused attempts | reconciliation |");
        L("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var x in r.Runs)
        {
            var l = x.Load;
            L($"| {x.Tenants} | {Format.Count(l.AcceptedCommands)} | {l.Throughput:0.0} | {Format.Ms(l.CommandLatency.P50)} / {Format.Ms(l.CommandLatency.P95)} / {Format.Ms(l.CommandLatency.P99)} | " +
              $"{Format.Ms(l.RatificationToPublic.P50)} / {Format.Ms(l.RatificationToPublic.P95)} / {Format.Ms(l.RatificationToPublic.P99)} (n = {l.RatificationToPublic.Count}) | " +
              $"{Format.Ms(x.ServerSide.RatificationToPublic.P50)} / {Format.Ms(x.ServerSide.RatificationToPublic.P95)} / {Format.Ms(x.ServerSide.RatificationToPublic.P99)} (n = {x.ServerSide.RatificationToPublic.Count}) | " +
              $"{Format.Ms(x.ServerSide.RatificationToConsumed.P50)} / {Format.Ms(x.ServerSide.RatificationToConsumed.P99)} | " +
              $"{Format.Ms(l.RatificationToArchived.P50)} / {Format.Ms(l.RatificationToArchived.P99)}; {Format.Ms(x.ServerSide.RatificationToArchived.P50)} / {Format.Ms(x.ServerSide.RatificationToArchived.P99)} | {Format.Ms(l.EditionToArchived.P50)} / {Format.Ms(l.EditionToArchived.P99)} | " +
              $"{l.Refusals.Count} | {(x.Reconciliation.Holds ? $"{x.Reconciliation.Checks.Count} checks hold" : "**" + string.Join("; ", x.Reconciliation.Problems) + "**")} |");
        }
        L();
        L("Resident memory per process (MB), idle / peak under load:");
        L();
        L("| tenants | " + string.Join(" | ", r.Runs[0].Memory.Select(m => m.Service)) + " |");
        L("|---|" + string.Concat(r.Runs[0].Memory.Select(_ => "---|")));
        foreach (var x in r.Runs)
            L($"| {x.Tenants} | " + string.Join(" | ", x.Memory.Select(m => $"{m.IdleMb:0} / {m.PeakUnderLoadMb:0}")) + " |");
        L();
        L("Where the CPU went while the load ran: CPU seconds per part (share of the machine's busy time; PostgreSQL and RabbitMQ count");
        L("every process of that name on the machine; the machine has " + Environment.ProcessorCount + " cores). \"Stolen\" is /proc/stat's steal: time the");
        L("hypervisor ran other guests while this virtual machine had work, counted in busy but used by no process here; the rest of");
        L("busy beyond the parts is the kernel and other processes:");
        L();
        L("| tenants | load took | machine busy | of which stolen | " + string.Join(" | ", r.Runs[0].Cpu.Select(c => c.Part)) + " |");
        L("|---|---|---|---|" + string.Concat(r.Runs[0].Cpu.Select(_ => "---|")));
        foreach (var x in r.Runs)
            L($"| {x.Tenants} | {x.Load.Took.TotalSeconds:0} s | {x.MachineBusySeconds:0} s ({x.MachineBusySeconds / x.Load.Took.TotalSeconds / Environment.ProcessorCount:P0}) | {x.StolenSeconds:0.0} s | " +
              string.Join(" | ", x.Cpu.Select(c => $"{c.Seconds:0.0} s ({c.Seconds / Math.Max(x.MachineBusySeconds, 0.001):P0})")) + " |");
        L();
        L("The three slowest serta-merta sightings of each run, stage by stage (ms; `SopTimings.SightingStages`): the client's figure =");
        L("forwarding + consuming + poll wait + poll trip − answer after the event. Forwarding runs from the ratified event's recorded time to");
        L("publication's consumer transaction beginning (classification's commit, its forwarder, the broker, the queue); consuming to the");
        L("`EntryPublished` event; poll wait to the sending of the poll that found the page (its commit included, and the poll interval); poll");
        L("trip is that request through the gateway. Commit times come from `pg_xact_commit_timestamp` (`deploy/local/infra.sh` sets");
        L("`track_commit_timestamp = on`; \"–\" where it is off).");
        L();
        L("| tenants | client figure | polls | answer after the event | ratification committed after | forwarding | consuming | entry committed after | poll wait | poll trip |");
        L("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var x in r.Runs)
            foreach (var s in x.ServerSide.Slowest)
                L($"| {x.Tenants} | {Format.Ms(s.ClientFigure)} | {s.Polls} | {Format.Ms(s.RatifiedToAnswered)} | {(s.RatificationCommitting is { } rc ? Format.Ms(rc) : "–")} | " +
                  $"{Format.Ms(s.Forwarding)} | {Format.Ms(s.Consuming)} | {(s.Committing is { } c ? Format.Ms(c) : "–")} | {Format.Ms(s.PollWait)} | {Format.Ms(s.PollTrip)} |");
        L();
        L("Command latency per command, the first run:");
        L();
        L("| command | p50 / p95 / p99 / max |");
        L("|---|---|");
        foreach (var (command, d) in r.Runs[0].Load.LatencyByCommand.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            L($"| {command} | {SopLoadReport.Percentiles(d)} |");
        foreach (var x in r.Runs)
        {
            foreach (var line in x.Load.Unexpected) L($"- {x.Tenants} tenant(s), unexpected: {line}");
            foreach (var line in x.Load.NotSeen) L($"- {x.Tenants} tenant(s), not seen: {line}");
        }
        L();
    }
}
