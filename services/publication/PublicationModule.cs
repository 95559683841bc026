using Ppid.Platform.Database;
using Ppid.Platform.Hosting;
using Ppid.Publication.Catalog;
using Ppid.Publication.Editions;
using Ppid.Publication.Reports;
using Ppid.Publication.Site;

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
        options.InlineProjections.Add(typeof(EditionsProjection));
        options.Subscriptions.Add(CatalogHandler.Subscription);
        builder.AddPpidPlatform(options);
        builder.Services.AddOutputCache(o => o.AddPolicy(SiteCache.PolicyName, new SiteCache()));
        return builder;
    }

    public static WebApplication MapPublicationApi(this WebApplication app)
    {
        app.UseOutputCache();
        app.MapGroup("/api/v1/publication")
            .MapPublishing()
            .MapReports();
        app.MapSite();
        return app;
    }
}
