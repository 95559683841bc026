using Ppid.Platform.Database;
using Ppid.Platform.Hosting;

namespace Ppid.Classification;

/// <summary>Wiring of the classification service: its events, migrations, projections, subscriptions and endpoints.</summary>
public static class ClassificationModule
{
    public const string ServiceName = "classification";

    public static WebApplicationBuilder AddClassification(this WebApplicationBuilder builder)
    {
        var options = new PlatformOptions { ServiceName = ServiceName };
        options.EventAssemblies.Add(typeof(ClassificationModule).Assembly);
        options.Migrations.Add(new MigrationSource(ServiceName, typeof(ClassificationModule).Assembly, "Migrations"));
        return builder.AddPpidPlatform(options);
    }

    public static WebApplication MapClassificationApi(this WebApplication app)
    {
        app.MapGroup("/api/v1/classification");
        return app;
    }
}
