using Ppid.Archive.Auditing;
using Ppid.Archive.Editions;
using Ppid.Archive.Ledger;
using Ppid.Archive.Replay;
using Ppid.Archive.Reports;
using Ppid.Platform.Database;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Hosting;
using Ppid.Platform.Messaging;

namespace Ppid.Archive;

/// <summary>Wiring of the archive service: its events, migrations, projections, subscriptions and endpoints.</summary>
public static class ArchiveModule
{
    public const string ServiceName = "archive";

    public static WebApplicationBuilder AddArchive(this WebApplicationBuilder builder)
    {
        var options = new PlatformOptions { ServiceName = ServiceName };
        options.EventAssemblies.Add(typeof(ArchiveModule).Assembly);
        options.Migrations.Add(new MigrationSource(ServiceName, typeof(ArchiveModule).Assembly, "Migrations"));
        // One queue over every stream type of every service, derived from the contracts so new ones are followed too.
        var streamTypes = LedgerHandler.AllStreamTypes(EventTypes.FromAssemblies([.. options.EventAssemblies.Distinct()]));
        options.Subscriptions.Add(new Subscription(LedgerHandler.Queue, typeof(LedgerHandler), streamTypes));
        options.InlineProjections.Add(typeof(EditionRecordsProjection));
        builder.AddPpidPlatform(options);
        builder.Services.AddSingleton<EditionArchiver>();
        builder.Services.AddSingleton<Replayer>();
        builder.Services.AddHealthChecks().AddCheck<LedgerBreaksCheck>("ledger", tags: [ServiceDefaults.ReadyTag]);
        return builder;
    }

    public static WebApplication MapArchiveApi(this WebApplication app)
    {
        app.MapGroup("/api/v1/archive")
            .MapAuditing()
            .MapEditions()
            .MapReports()
            .MapReplay();
        return app;
    }
}
