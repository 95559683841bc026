using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Ppid.Platform.Database;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Platform.Messaging;
using Ppid.Platform.Projections;
using Ppid.Platform.Telemetry;

namespace Ppid.Platform.Hosting;

/// <summary>What a service brings to the platform: its name, events, migrations, projections and subscriptions.</summary>
public sealed class PlatformOptions
{
    public required string ServiceName { get; init; }

    /// <summary>Assemblies whose <c>[MessageUrn]</c> classes are events (the contracts, the service's own).</summary>
    public List<Assembly> EventAssemblies { get; } = [typeof(Ppid.Contracts.StreamTypeAttribute).Assembly];

    /// <summary>The service's own SQL migrations, applied after the event store's.</summary>
    public List<MigrationSource> Migrations { get; } = [];

    /// <summary>Projections updated in the append's transaction.</summary>
    public List<Type> InlineProjections { get; } = [];

    /// <summary>Projections updated asynchronously in commit order (one checkpoint each).</summary>
    public List<Type> AsyncProjections { get; } = [];

    /// <summary>What the service consumes from RabbitMQ.</summary>
    public List<Subscription> Subscriptions { get; } = [];
}

public static class PlatformRegistration
{
    /// <summary>
    /// Registers the event store on the service's PostgreSQL database (migrated at start-up, before
    /// anything else runs), LISTEN/NOTIFY wake-ups, the forwarder with its RabbitMQ publisher,
    /// MassTransit consumers for the subscriptions, async projections, and readiness checks.
    /// Needs <c>ConnectionStrings:Postgres</c> and <c>ConnectionStrings:RabbitMq</c>.
    /// </summary>
    public static WebApplicationBuilder AddPpidPlatform(this WebApplicationBuilder builder, PlatformOptions options)
    {
        var postgres = builder.Configuration.GetRequiredConnectionString("Postgres");
        var rabbit = new Uri(builder.Configuration.GetRequiredConnectionString("RabbitMq"));
        var consumerConcurrency = builder.Configuration.GetValue("Platform:ConsumerConcurrency", BusConfiguration.DefaultConcurrency);
        if (consumerConcurrency < 1)
            throw new InvalidOperationException($"Platform:ConsumerConcurrency must be at least 1 (messages each queue's consumer applies at once), got {consumerConcurrency}.");
        var services = builder.Services;
        var migrations = new[] { PlatformMigrations.EventStore }.Concat(options.Migrations).ToArray();

        services.AddSingleton(options);
        services.AddSingleton(_ => PpidDataSource.Create(postgres));
        services.AddSingleton(_ => EventTypes.FromAssemblies([.. options.EventAssemblies.Distinct()]));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<EventNotifications>();
        foreach (var projection in options.InlineProjections.Concat(options.AsyncProjections).Distinct()) services.AddSingleton(projection);
        services.AddSingleton(sp => new EventStore(
            sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<EventTypes>(),
            sp.GetRequiredService<TimeProvider>(),
            options.InlineProjections.Select(t => (IProjection)sp.GetRequiredService(t)),
            sp.GetRequiredService<EventNotifications>()));

        // Hosted services start in registration order: migrate first, then everything that reads the tables.
        services.AddHostedService(sp => new MigrateOnStart(sp.GetRequiredService<NpgsqlDataSource>(), migrations, sp.GetRequiredService<ILogger<MigrateOnStart>>()));
        services.AddHostedService(sp => new NotificationsOnStart(sp.GetRequiredService<EventNotifications>()));

        services.AddSingleton(sp => new RabbitMqEventPublisher(rabbit, options.ServiceName, sp.GetRequiredService<EventTypes>(), sp.GetRequiredService<ILogger<RabbitMqEventPublisher>>()));
        services.AddSingleton(new ForwarderOptions { ServiceName = options.ServiceName });
        services.AddSingleton(sp => new Forwarder(sp.GetRequiredService<EventStore>(), sp.GetRequiredService<RabbitMqEventPublisher>(),
            sp.GetRequiredService<ForwarderOptions>(), sp.GetRequiredService<ILogger<Forwarder>>(), sp.GetRequiredService<EventNotifications>()));
        services.AddHostedService(sp => sp.GetRequiredService<Forwarder>());

        // Gauges that need a query (lags, queue depths, oldest transaction), sampled in the background.
        var forwarderCheckpoint = new ForwarderOptions { ServiceName = options.ServiceName }.CheckpointName;
        services.AddSingleton(sp => new OperationalGauges(sp.GetRequiredService<NpgsqlDataSource>(), forwarderCheckpoint, rabbit,
            [.. options.Subscriptions.Select(s => s.Queue).Distinct()]));
        var sampleInterval = builder.Configuration.GetValue("Platform:GaugeSampleInterval", TimeSpan.FromSeconds(10));
        services.AddHostedService(sp => new GaugeSampler(sp.GetRequiredService<OperationalGauges>(), sampleInterval, sp.GetRequiredService<ILogger<GaugeSampler>>()));
        var lagThreshold = builder.Configuration.GetValue("Platform:ForwarderLagThreshold", TimeSpan.FromSeconds(60));

        foreach (var projection in options.AsyncProjections)
        {
            services.AddHostedService(sp => new AsyncProjectionService(new AsyncProjectionRunner(sp.GetRequiredService<EventStore>(), (IProjection)sp.GetRequiredService(projection),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger(projection), sp.GetRequiredService<EventNotifications>())));
        }

        foreach (var handler in options.Subscriptions.Select(s => s.Handler).Distinct()) services.AddSingleton(handler);
        // The bus is built by hand rather than with AddMassTransit so that the watchdog can replace it (see ConsumerBus).
        services.AddSingleton(sp => new ConsumerBus(
            () => BusConfiguration.CreateBus(rabbit, sp, sp.GetRequiredService<EventTypes>(), options.Subscriptions, consumerConcurrency),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<ConsumerBus>());
        services.AddHostedService(sp => new BusWatchdog(sp.GetRequiredService<ConsumerBus>(), ct => BrokerProbe.CanConnectAsync(rabbit, ct),
            _ =>
            {
                Environment.ExitCode = BusWatchdog.GaveUpExitCode;
                sp.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            },
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<BusWatchdog>>()));

        // The HTTP side of commands: idempotent command runner, enums on the wire as in stored events
        // (kebab-case strings: court-decision, serta-merta), and bad JSON or bad route/query values
        // thrown as BadHttpRequestException, which the platform answers as problem details.
        services.AddSingleton<Commands>();
        services.AddHostedService<IdempotencyCleanup>(); // expired answers go; registered after migrations, which create the table
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower)));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

        // A deadline per check: a frozen broker accepts the TCP connection and never answers the AMQP
        // handshake, and RabbitMQ.Client 7 then waits until cancelled, so /health/ready would never answer
        // (cancelled, the client still takes until about 10 s from the start to give up).
        var checkTimeout = TimeSpan.FromSeconds(5);
        services.AddHealthChecks()
            .AddCheck<PostgresReadyCheck>("postgres", tags: [ServiceDefaults.ReadyTag, ServiceDefaults.ServingTag], timeout: checkTimeout)
            .AddCheck("rabbitmq", new RabbitMqReadyCheck(rabbit), tags: [ServiceDefaults.ReadyTag], timeout: checkTimeout)
            .AddCheck<ConsumerBusHealthCheck>("consumers", tags: [ServiceDefaults.ReadyTag])
            .Add(new HealthCheckRegistration("forwarder-lag", sp => new ForwarderLagCheck(sp.GetRequiredService<OperationalGauges>(), lagThreshold),
                HealthStatus.Unhealthy, [ServiceDefaults.ReadyTag]));
        return builder;
    }

    private sealed class MigrateOnStart(NpgsqlDataSource dataSource, MigrationSource[] sources, ILogger<MigrateOnStart> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var applied = await Migrator.MigrateAsync(dataSource, sources, cancellationToken);
            foreach (var migration in applied) logger.LogInformation("Applied migration {Source}/{Name}", migration.Source, migration.Name);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class NotificationsOnStart(EventNotifications notifications) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            notifications.Start();
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await notifications.DisposeAsync();
    }

    private sealed class AsyncProjectionService(AsyncProjectionRunner runner) : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => runner.RunAsync(stoppingToken);
    }
}

/// <summary>Ready when the database answers and no migration the code knows is pending.</summary>
internal sealed class PostgresReadyCheck(NpgsqlDataSource dataSource, PlatformOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var pending = await Migrator.PendingAsync(dataSource, [PlatformMigrations.EventStore, .. options.Migrations], cancellationToken);
            return pending.Count == 0
                ? HealthCheckResult.Healthy("PostgreSQL reachable, schema up to date")
                : HealthCheckResult.Unhealthy($"{pending.Count} migration(s) pending: {string.Join(", ", pending.Select(m => m.Name))}");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL unreachable: " + e.Message);
        }
    }
}

/// <summary>Ready when a connection to the broker can be opened (the bus's own health says whether consumers run).</summary>
internal sealed class RabbitMqReadyCheck(Uri amqp) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await BrokerProbe.UnreachableBecauseAsync(amqp, cancellationToken) is { } why
            ? HealthCheckResult.Unhealthy("RabbitMQ unreachable: " + why)
            : HealthCheckResult.Healthy("RabbitMQ reachable");
}
