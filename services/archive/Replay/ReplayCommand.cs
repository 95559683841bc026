using System.Globalization;
using Npgsql;
using Ppid.Platform.Database;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Hosting;
using Ppid.Platform.Projections;

namespace Ppid.Archive.Replay;

/// <summary>
/// The command-line verb: <c>Ppid.Archive replay &lt;projection&gt;</c> rebuilds a projection of the
/// archive's database (same configuration as the service: <c>ConnectionStrings__Postgres</c>) and
/// prints its progress. It migrates the database first, as the service does on start.
/// </summary>
public static class ReplayCommand
{
    public static bool IsReplay(string[] args) => args.Length > 0 && args[0] == "replay";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length != 2 || !Replayer.Projections.Contains(args[1]))
        {
            await error.WriteLineAsync($"usage: Ppid.Archive replay <{string.Join("|", Replayer.Projections)}>");
            return 2;
        }
        // The service migrates on start; the tool may run first, so it migrates too (idempotent, under the migrator's lock).
        var options = services.GetRequiredService<PlatformOptions>();
        await Migrator.MigrateAsync(services.GetRequiredService<NpgsqlDataSource>(), [PlatformMigrations.EventStore, .. options.Migrations]);
        var replayer = services.GetRequiredService<Replayer>();
        var result = await replayer.RebuildAsync(args[1], new Printer(output), CancellationToken.None);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{result.Projection}: rebuilt {result.Applied} events in {result.Elapsed.TotalSeconds:0.0} s"));
        return 0;
    }

    private sealed class Printer(TextWriter output) : IProgress<RebuildProgress>
    {
        public void Report(RebuildProgress value) =>
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{value.Projection}: {value.Applied}/{value.Total} ({(value.Total == 0 ? 100 : 100.0 * value.Applied / value.Total):0}%)"));
    }
}
