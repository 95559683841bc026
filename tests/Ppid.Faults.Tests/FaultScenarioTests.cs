using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ppid.Testing;
using Ppid.Testing.Load;
using Xunit.Abstractions;

namespace Ppid.Faults.Tests;

/// <summary>
/// Issue 9: faults under load. Each scenario starts the whole suite (four services and the gateway as
/// Release processes, Production configuration) on the PRIVATE PostgreSQL server and RabbitMQ node
/// of <see cref="FaultInfrastructure"/>, drives the SOP through the gateway with <see cref="SopLoad"/>,
/// injects one fault while the load runs, lets the load finish, and then requires:
/// <list type="bullet">
/// <item>every command was eventually accepted (the driver retries refused ones with the same Idempotency-Key) and no item workflow met an unexpected answer;</item>
/// <item>every accepted command has exactly one effect everywhere (<see cref="SopReconciliation"/>): per tenant and event type the stores hold as many events as commands were accepted, the registry exactly the items registered, the archive's ledger every event of every service once, no error or skipped message;</item>
/// <item>every refusal the gateway answered was a 503 problem details, except the few that the scenario explains (<see cref="Scenario.Allowed"/>);</item>
/// <item>every serta-merta item reached the public page and the archive, every edition the archive.</item>
/// </list>
/// Each scenario writes its report (test output, and <c>$PPID_FAULT_REPORT_DIR/&lt;scenario&gt;.md</c> when set:
/// <c>tests/faults/run.sh</c> gathers them into docs/faults.md).
/// </summary>
[Collection(FaultInfrastructure.Collection)]
public sealed class FaultScenarioTests(FaultInfrastructure infrastructure, ITestOutputHelper output)
{
    /// <summary>A fault: what to do to the running suite, and which refusals other than 503 problem details it explains.</summary>
    public sealed record Scenario(string Name, string Description, Func<FaultInfrastructure, Suite, Task> Inject, IReadOnlyDictionary<string, string> Allowed);

    private static readonly IReadOnlyDictionary<string, string> OnlyServiceUnavailable = new Dictionary<string, string>();

    /// <summary>PostgreSQL went away between a COMMIT and its answer, and could not be asked whether it committed.</summary>
    private static readonly IReadOnlyDictionary<string, string> CommitAnswerLost = new Dictionary<string, string>
    {
        ["503 " + SopLoad.OutcomeUnknown] = "a 503 too, but saying the outcome is unknown: the database lost the COMMIT's answer and could not be asked; the retry with the same Idempotency-Key answers from the stored result or applies it once",
    };

    /// <summary>An instance killed mid-request leaves the gateway without an answer: 502 (outcome unknown, the retry with the same key settles it).</summary>
    private static readonly IReadOnlyDictionary<string, string> KilledMidRequest = new Dictionary<string, string>
    {
        ["502 https://ppid.example/problems/bad-gateway"] = "requests in flight when the process died: the gateway cannot know whether they were applied; the retry with the same Idempotency-Key answers from the stored result or applies it once",
    };

    public static readonly Scenario[] Scenarios =
    [
        new("rabbitmq-restart", "RabbitMQ is stopped and started again (same data: durable quorum queues keep their messages) while commands flow.",
            (infra, _) => infra.RabbitMq.RestartAsync(), OnlyServiceUnavailable),
        new("rabbitmq-freeze", "RabbitMQ's Erlang VM is frozen with SIGSTOP for 10 s, then continued with SIGCONT: connections stay open but nothing answers.",
            (infra, _) => infra.RabbitMq.FreezeAsync(TimeSpan.FromSeconds(10)), OnlyServiceUnavailable),
        Kill("registry"),
        Kill("classification"),
        Kill("publication"),
        Kill("archive"),
        new("kill-gateway", "The gateway is killed with SIGKILL and started again after 3 s: callers get no answer meanwhile (there is nobody to say 503).",
            async (_, suite) => { suite.Gateway.Kill(); await Task.Delay(TimeSpan.FromSeconds(3)); await suite.RestartGatewayAsync(); },
            new Dictionary<string, string>
            {
                ["no answer"] = "the gateway process is gone: connections are refused until it is back; requests in flight lose their answer and are retried with the same key",
            }),
        new("postgres-restart", "PostgreSQL is stopped (fast shutdown: open transactions are rolled back) and started again 5 s later; every service and the gateway lose their connections.",
            async (infra, _) =>
            {
                await infra.Postgres.StopAsync();
                await Task.Delay(TimeSpan.FromSeconds(5));
                await infra.Postgres.StartAgainAsync();
            }, CommitAnswerLost),
    ];

    private static Scenario Kill(string service) => new($"kill-{service}",
        $"The {service} service is killed with SIGKILL and started again after 3 s on the same port; the gateway answers 503 for it meanwhile.",
        async (_, suite) =>
        {
            suite.Processes[service].Kill();
            await Task.Delay(TimeSpan.FromSeconds(3));
            await suite.RestartAsync(service, 0);
        }, KilledMidRequest);

    public static TheoryData<string> ScenarioNames() => [.. Scenarios.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public async Task Under_load_nothing_is_lost_or_applied_twice(string name)
    {
        var scenario = Scenarios.Single(s => s.Name == name);
        var suite = infrastructure.NewSuite();
        try
        {
            await suite.InitializeAsync();
            await RunAsync(scenario, suite);
        }
        finally
        {
            await suite.DisposeAsync();
        }
    }

    private async Task RunAsync(Scenario scenario, Suite suite)
    {
        using var http = suite.Client();
        var options = FaultInfrastructure.LoadOptions;
        var tenants = await SopLoad.PrepareTenantsAsync(http, options, t => suite.CreateKeyAsync(t, SopLoad.AllScopes, "fault-" + scenario.Name));
        var load = new SopLoad(http, tenants, options);
        var clock = Stopwatch.StartNew();
        var running = load.RunAsync();

        // The fault strikes once the load is flowing.
        while (load.AcceptedCommands < 60 && !running.IsCompleted) await Task.Delay(50);
        running.IsCompleted.ShouldBeFalse("the load must still be running when the fault strikes: raise PPID_FAULT_ITEMS");
        var acceptedBefore = load.AcceptedCommands;
        var faultStart = clock.Elapsed;
        var faultStartedAt = DateTimeOffset.UtcNow;
        await scenario.Inject(infrastructure, suite);
        var faultEnd = clock.Elapsed;
        var faultEndedAt = DateTimeOffset.UtcNow;
        var result = await running;
        var reconciliation = await SopReconciliation.CheckAsync(suite, tenants, TimeSpan.FromSeconds(120));

        var refusals = result.Refusals;
        var unexplained = refusals.Where(r => !(r is { Status: 503, IsProblemDetails: true }) && !scenario.Allowed.ContainsKey(Kind(r))).ToList();
        var report = Report(scenario, suite, result, reconciliation, acceptedBefore, faultStart, faultEnd, faultStartedAt, faultEndedAt, unexplained);
        output.WriteLine(report);
        if (Environment.GetEnvironmentVariable("PPID_FAULT_REPORT_DIR") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, scenario.Name + ".md"), report);
        }

        result.Unexpected.ShouldBeEmpty("every item went through the SOP");
        result.RefusedButApplied.ShouldBeEmpty("a command refused with 503 changed nothing: its retry applied it, not a replay");
        result.NotSeen.ShouldBeEmpty("every serta-merta item reached the public page and the archive, every edition the archive");
        reconciliation.Problems.ShouldBeEmpty("every accepted command has exactly one effect everywhere");
        unexplained.ShouldBeEmpty("refusals are 503 problem details, or explained by the scenario");
    }

    private static string Kind(Refusal r) => r.Status is { } s ? $"{s} {(r.IsProblemDetails ? r.ProblemType ?? "problem details" : "not problem details")}" : "no answer";

    private static string Report(Scenario scenario, Suite suite, SopLoadResult result, ReconciliationResult reconciliation, long acceptedBefore,
        TimeSpan faultStart, TimeSpan faultEnd, DateTimeOffset faultStartedAt, DateTimeOffset faultEndedAt, List<Refusal> unexplained)
    {
        var s = new StringBuilder();
        var verdict = result.Unexpected.Count == 0 && result.RefusedButApplied.Count == 0 && result.NotSeen.Count == 0 && reconciliation.Holds && unexplained.Count == 0;
        s.AppendLine(CultureInfo.InvariantCulture, $"## {scenario.Name}: {(verdict ? "passed" : "**FAILED**")}");
        s.AppendLine();
        s.AppendLine(scenario.Description);
        s.AppendLine();
        s.AppendLine(CultureInfo.InvariantCulture, $"The fault struck {faultStart.TotalSeconds:0.0} s into the load, after {acceptedBefore} accepted commands, " +
                                                   $"and was over (everything restarted) at {faultEnd.TotalSeconds:0.0} s ({faultStartedAt:HH:mm:ss.f}–{faultEndedAt:HH:mm:ss.f} UTC).");
        var during = result.Refusals.Where(r => r.At >= faultStartedAt).ToList();
        if (during.Count > 0)
            s.AppendLine(CultureInfo.InvariantCulture, $"Refusals from {during.Min(r => r.At):HH:mm:ss.f} to {during.Max(r => r.At):HH:mm:ss.f} UTC.");
        s.AppendLine();
        s.Append(SopLoadReport.Describe(result));
        s.AppendLine();
        foreach (var (name, exitCode, at) in suite.SupervisorRestarts)
        {
            var why = exitCode == 70 ? " (its bus watchdog gave up on consumers that did not recover in the process)" : "";
            s.AppendLine(CultureInfo.InvariantCulture, $"- The supervisor restarted {name} at {at:HH:mm:ss.f} UTC: it had exited by itself with code {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "?"}{why}.");
        }
        foreach (var (kind, why) in scenario.Allowed)
            s.AppendLine(CultureInfo.InvariantCulture, $"- Allowed besides 503 problem details: `{kind}`: {why}.");
        foreach (var r in unexplained.Take(20))
            s.AppendLine(CultureInfo.InvariantCulture, $"- **unexplained refusal** {r.At:HH:mm:ss.fff} {r.Command}: {r.Status?.ToString(CultureInfo.InvariantCulture) ?? "no answer"} {r.Detail}");
        s.AppendLine();
        s.Append(SopLoadReport.Describe(reconciliation));
        return s.ToString();
    }
}
