using System.Text.Json;
using System.Text.Json.Serialization;
using MassTransit.Serialization;
using Ppid.Classification.Classifications;
using Ppid.Classification.Consulting;
using Ppid.Classification.Decrees;
using Ppid.Classification.Determining;
using Ppid.Classification.Expiry;
using Ppid.Classification.KnownItems;
using Ppid.Classification.Listing;
using Ppid.Classification.Coordinating;
using Ppid.Classification.Opening;
using Ppid.Classification.Proposing;
using Ppid.Classification.Ratifying;
using Ppid.Platform.Database;
using Ppid.Platform.Hosting;
using Ppid.Platform.Messaging;

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
        options.InlineProjections.Add(typeof(ClassificationsProjection));
        options.Subscriptions.Add(new Subscription(RegistryEventsHandler.Queue, typeof(RegistryEventsHandler), ["registry.item", "registry.cycle"]));
        builder.AddPpidPlatform(options);

        var expiry = builder.Configuration.GetSection("Classification:Expiry").Get<ExpiryOptions>() ?? new ExpiryOptions();
        if (expiry.Interval <= TimeSpan.Zero) throw new InvalidOperationException("Classification:Expiry:Interval must be positive.");
        if (expiry.StandbyRetry <= TimeSpan.Zero) throw new InvalidOperationException("Classification:Expiry:StandbyRetry must be positive.");
        builder.Services.AddSingleton(expiry);
        builder.Services.AddSingleton<ExpiryScheduler>();
        builder.Services.AddHostedService<ExpiryService>();
        return builder;
    }

    public static WebApplication MapClassificationApi(this WebApplication app)
    {
        app.MapGroup("/api/v1/classification")
            .MapProposing()
            .MapConsulting()
            .MapMeeting()
            .MapDetermining()
            .MapRatifying()
            .MapOpening()
            .MapListing()
            .MapDecrees();
        return app;
    }
}
