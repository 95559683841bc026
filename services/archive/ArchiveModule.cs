using Ppid.Platform.Database;
using Ppid.Platform.Hosting;

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
        return builder.AddPpidPlatform(options);
    }

    public static WebApplication MapArchiveApi(this WebApplication app)
    {
        app.MapGroup("/api/v1/archive");
        return app;
    }
}
