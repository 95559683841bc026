using Ppid.Platform.Database;
using Ppid.Platform.Hosting;

namespace Ppid.Publication;

/// <summary>Wiring of the publication service: its events, migrations, projections, subscriptions and endpoints.</summary>
public static class PublicationModule
{
    public const string ServiceName = "publication";

    public static WebApplicationBuilder AddPublication(this WebApplicationBuilder builder)
    {
        var options = new PlatformOptions { ServiceName = ServiceName };
        options.EventAssemblies.Add(typeof(PublicationModule).Assembly);
        options.Migrations.Add(new MigrationSource(ServiceName, typeof(PublicationModule).Assembly, "Migrations"));
        return builder.AddPpidPlatform(options);
    }

    public static WebApplication MapPublicationApi(this WebApplication app)
    {
        app.MapGroup("/api/v1/publication");
        return app;
    }
}
