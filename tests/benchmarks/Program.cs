using System.Diagnostics;
using System.Globalization;
using Ppid.Benchmarks;

// tests/benchmarks/run.sh builds and runs this; see docs/benchmarks.md for what it measures.
//   Ppid.Benchmarks [--quick] [--output FILE] [--repo DIR] [--only append,latency,rebuild,publication,gateway,suite] [--rebuild-events N] [--publication-items N] [--rate COMMANDS_PER_SECOND]
// PPID_BENCH_QUICK=1 is the same as --quick.

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    await Console.Error.WriteLineAsync("usage: Ppid.Benchmarks [--quick] [--output FILE] [--repo DIR] [--only append,latency,rebuild,publication,gateway,suite] [--rebuild-events N] [--publication-items N] [--rate COMMANDS_PER_SECOND]");
    return 2;
}

var clock = Stopwatch.StartNew();
void Log(string message) => Console.WriteLine($"[bench {clock.Elapsed:mm\\:ss}] {message}");

Log($"mode {(options.Quick ? "quick (smoke)" : "full")}; load average {Machine.LoadAverage()}; writing {options.Output}");
var loadBefore = Machine.LoadAverage();
var machine = await Machine.DescribeAsync(options.Repo);

AppendResults? append = null;
LatencyResults? latency = null;
RebuildResults? rebuild = null;
ClientPrepCost? prep = null;
var loads = new List<(string Section, string Before, string After)>();

if (options.Runs("append"))
{
    var before = Machine.LoadAverage();
    append = await new AppendBenchmark(options, Log).RunAsync([1, 4, 16],
        [AppendVariant.Store, AppendVariant.RawInsert, AppendVariant.StoreWithoutNotifications, AppendVariant.StoreNpgsqlDefaults, AppendVariant.RawInsertNpgsqlDefaults]);
    loads.Add(("append throughput", before, Machine.LoadAverage()));
    prep = ClientPrep.Measure();
    Log($"client-side preparation: {prep.MicrosecondsPerEvent:0.0} µs per event");
}
if (options.Runs("latency"))
{
    var before = Machine.LoadAverage();
    latency = await new LatencyBenchmark(options, Log).RunAsync();
    loads.Add(("commit-to-consumer latency", before, Machine.LoadAverage()));
}
if (options.Runs("rebuild"))
{
    var before = Machine.LoadAverage();
    rebuild = await new RebuildBenchmark(options, Log).RunAsync();
    loads.Add(("projection rebuild", before, Machine.LoadAverage()));
}

PublicationResults? publication = null;
GatewayResults? gateway = null;
var failures = new List<(string Section, string Error)>();
if (options.Runs("publication"))
{
    var before = Machine.LoadAverage();
    try { publication = await new PublicationBenchmark(options, Log).RunAsync(); }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        Log($"publication failed: {e}");
        failures.Add(("publication", e.Message));
    }
    loads.Add(("publication", before, Machine.LoadAverage()));
}
if (options.Runs("gateway"))
{
    var before = Machine.LoadAverage();
    try { gateway = await new GatewayBenchmark(options, Log).RunAsync(); }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        Log($"gateway failed: {e}");
        failures.Add(("gateway", e.Message));
    }
    loads.Add(("gateway overhead", before, Machine.LoadAverage()));
}
SuiteLoadResults? suiteLoad = null;
if (options.Runs("suite"))
{
    var before = Machine.LoadAverage();
    try { suiteLoad = await new SuiteLoadBenchmark(options, Log).RunAsync(); }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        Log($"suite load failed: {e}");
        failures.Add(("suite", e.Message));
    }
    loads.Add(("the whole suite under load", before, Machine.LoadAverage()));
}

// Sections not run this time keep their results from the file being replaced, marked with that run's date.
var previous = File.Exists(options.Output) ? await File.ReadAllTextAsync(options.Output) : null;
var carried = previous is null ? Carried.None : Carried.From(previous, BenchOptions.Sections.Where(s => !options.Runs(s)).ToList());
var report = Report.Write(options, machine, loadBefore, loads, clock.Elapsed, append, latency, rebuild, prep, publication, gateway, suiteLoad, failures, carried);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.Output))!);
await File.WriteAllTextAsync(options.Output, report);
Log($"wrote {options.Output} in {Format.Seconds(clock.Elapsed)}");
Console.WriteLine();
Console.WriteLine(report);
return 0;

namespace Ppid.Benchmarks
{
    internal sealed record BenchOptions
    {
        public bool Quick { get; init; }
        public required string Output { get; init; }
        public required string Repo { get; init; }

        /// <summary>Where the services the benchmarks start write their logs.</summary>
        public string LogDirectory => Path.Combine(Repo, "tests", "benchmarks", "out", "logs");
        public IReadOnlySet<string> Only { get; init; } = new HashSet<string>(StringComparer.Ordinal);

        public TimeSpan AppendWarmup => Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(2);
        public TimeSpan AppendWindow => Quick ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(8);
        public int AppendRepetitions => Quick ? 1 : 2;
        public int LatencyEvents => Quick ? 200 : 1000;
        public int LatencyWarmupEvents => Quick ? 20 : 50;
        public int InterferenceEvents => Quick ? 100 : 300;
        public TimeSpan LatencyPause { get; } = TimeSpan.FromMilliseconds(5);
        public long RebuildEvents { get; init; }
        /// <summary>A rebuild still running after this long is stopped and reported as not finished.</summary>
        public TimeSpan RebuildDeadline => Quick ? TimeSpan.FromSeconds(60) : TimeSpan.FromSeconds(150);

        public int PublicationItems { get; init; }
        public int UncachedRequests => Quick ? 10 : 120;
        public int CachedRequests => Quick ? 30 : 300;
        public IReadOnlyList<int> GatewayConcurrency { get; } = [1, 4, 16];
        public TimeSpan GatewayWarmup => Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(2);
        public IReadOnlyList<int>? SuiteTenants { get; init; }
        public IReadOnlyList<int> SuiteTenantCounts => SuiteTenants ?? (Quick ? [1, 10] : [1, 10, 100]);
        public int? SuiteItemCount { get; init; }
        public int SuiteItems => SuiteItemCount ?? (Quick ? 40 : 200);
        public double SuiteCommandsPerSecond { get; init; } = 50;
        /// <summary>Items put through the SOP before each measured suite run (see SuiteLoadBenchmark.WarmUpAsync); 0: measure cold.</summary>
        public int SuiteWarmupItems { get; init; } = 40;
        public TimeSpan SuiteIdleSettle => Quick ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(10);
        public TimeSpan GatewayWindow => Quick ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(8);
        public int GatewayRepetitions => Quick ? 1 : 3;

        public static readonly string[] Sections = ["append", "latency", "rebuild", "publication", "gateway", "suite"];

        public bool Runs(string section) => Only.Count == 0 || Only.Contains(section);

        public static BenchOptions Parse(string[] args)
        {
            var quick = Environment.GetEnvironmentVariable("PPID_BENCH_QUICK") is "1" or "true";
            string? output = null;
            var repo = Directory.GetCurrentDirectory();
            var only = new HashSet<string>(StringComparer.Ordinal);
            long? rebuildEvents = null;
            int? publicationItems = null;
            double rate = 50;
            List<int>? tenants = null;
            int? items = null;
            var warmupItems = 40;
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--quick": quick = true; break;
                    case "--output": output = Next(); break;
                    case "--repo": repo = Next(); break;
                    case "--only":
                        foreach (var s in Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                            only.Add(Sections.Contains(s) ? s : throw new ArgumentException($"unknown section '{s}'"));
                        break;
                    case "--rebuild-events": rebuildEvents = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--publication-items": publicationItems = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--rate": rate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--tenants": tenants = [.. Next().Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture))]; break;
                    case "--items": items = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--warmup-items":
                        warmupItems = int.Parse(Next(), CultureInfo.InvariantCulture);
                        if (warmupItems is < 0 or 1) throw new ArgumentException("--warmup-items is 0 (no warm-up) or at least 2 (two tenants)");
                        break;
                    default: throw new ArgumentException($"unknown argument '{args[i]}'");
                }
            }
            // A quick or partial run never overwrites the published results unless told to.
            output ??= quick || only.Count > 0
                ? Path.Combine(repo, "tests", "benchmarks", "out", "benchmarks-quick.md")
                : Path.Combine(repo, "docs", "benchmarks.md");
            return new BenchOptions
            {
                Quick = quick,
                Output = output,
                Repo = repo,
                Only = only,
                RebuildEvents = rebuildEvents ?? (quick ? 100_000 : 1_000_000),
                PublicationItems = publicationItems ?? (quick ? 1_000 : 10_000),
                SuiteCommandsPerSecond = rate,
                SuiteTenants = tenants,
                SuiteItemCount = items,
                SuiteWarmupItems = warmupItems,
            };
        }
    }
}
