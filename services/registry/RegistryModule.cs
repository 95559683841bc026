using Ppid.Platform.Database;
using Ppid.Platform.Hosting;
using Ppid.Registry.Cycles;
using Ppid.Registry.Documents;
using Ppid.Registry.Items;
using Ppid.Registry.Listing;
using Ppid.Registry.ReferenceData;
using Ppid.Registry.Registering;
using Ppid.Registry.Revising;
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
        builder.AddPpidPlatform(options);

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
            .MapCycles();
        return app;
    }
}
