using Ppid.Platform.Database;
using Ppid.Platform.Hosting;
using Ppid.Platform.Http;
using Ppid.Platform.Messaging;
using Ppid.Registry.Cycles;
using Ppid.Registry.Documents;
using Ppid.Registry.Importing;
using Ppid.Registry.Items;
using Ppid.Registry.Listing;
using Ppid.Registry.ReferenceData;
using Ppid.Registry.Registering;
using Ppid.Registry.Revising;
using Ppid.Registry.Status;
using Ppid.Registry.Withdrawing;

namespace Ppid.Registry;

/// <summary>Wiring of the registry service: its events, migrations, projections, subscriptions and endpoints.</summary>
public static class RegistryModule
{
    public const string ServiceName = "registry";

    public static WebApplicationBuilder AddRegistry(this WebApplicationBuilder builder)
    {
        var options = new PlatformOptions { ServiceName = ServiceName };
        options.EventAssemblies.Add(typeof(RegistryModule).Assembly);
        options.Migrations.Add(new MigrationSource(ServiceName, typeof(RegistryModule).Assembly, "Migrations"));
        options.InlineProjections.Add(typeof(ItemsProjection));
        options.AddCycles();
        options.Subscriptions.Add(new Subscription(ItemStatusHandler.Queue, typeof(ItemStatusHandler), ItemStatusHandler.StreamTypes));
        builder.AddPpidPlatform(options);
        builder.Services.Configure<ImportOptions>(builder.Configuration.GetSection(ImportOptions.Section));

        return builder;
    }

    public static WebApplication MapRegistryApi(this WebApplication app)
    {
        app.MapGroup("/api/v1/registry")
            .MapReferenceData()
            .MapRegistering()
            .MapRevising()
            .MapWithdrawing()
            .MapAttachingDocuments()
            .MapListing()
            .MapCycles()
            .MapImporting()
            .MapItemStatus();
        return app;
    }
}
