using Ppid.Platform.Database;
using Ppid.Platform.Hosting;

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
        return builder.AddPpidPlatform(options);
    }

    public static WebApplication MapRegistryApi(this WebApplication app)
    {
        app.MapGroup("/api/v1/registry");
        return app;
    }
}
