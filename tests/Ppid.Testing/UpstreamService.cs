using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ppid.Platform.Database;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Messaging;

namespace Ppid.Testing;

/// <summary>
/// Another service, as the service under test sees it: its own event store (a fresh database) and
/// a real forwarder publishing to the test's vhost under the other service's name. A test appends
/// the other service's contract events here (registry's items for classification, say) and they
/// reach the service under test through RabbitMQ exactly as in production: no shortcut into the
/// consumer. Start it after the service under test, whose queues must exist first.
/// </summary>
public sealed class UpstreamService : IAsyncDisposable
{
    private readonly Forwarder _forwarder;
    private readonly EventNotifications _notifications;

    public string ServiceName { get; }
    public PostgresDatabase Database { get; }
    public EventStore Store { get; }

    private UpstreamService(string serviceName, PostgresDatabase database, EventStore store, EventNotifications notifications, Forwarder forwarder)
    {
        ServiceName = serviceName;
        Database = database;
        Store = store;
        _notifications = notifications;
        _forwarder = forwarder;
    }

    /// <summary>Starts <paramref name="serviceName"/>'s stand-in on <paramref name="vhost"/>, knowing every contract event.</summary>
    public static async Task<UpstreamService> StartAsync(string serviceName, RabbitVhost vhost, ILoggerFactory? logging = null)
    {
        logging ??= NullLoggerFactory.Instance;
        var database = await PostgresDatabase.CreateAsync($"ppid_up_{serviceName}");
        await Migrator.MigrateAsync(database.DataSource, [PlatformMigrations.EventStore]);
        var types = EventTypes.FromAssemblies([typeof(Ppid.Contracts.StreamTypeAttribute).Assembly]);
        var notifications = new EventNotifications(database.DataSource, logging.CreateLogger<EventNotifications>());
        notifications.Start();
        var store = new EventStore(database.DataSource, types, TimeProvider.System, notifications: notifications);
        var publisher = new RabbitMqEventPublisher(vhost.Uri, serviceName, types, logging.CreateLogger<RabbitMqEventPublisher>());
        var forwarder = new Forwarder(store, publisher, new ForwarderOptions { ServiceName = serviceName }, logging.CreateLogger<Forwarder>(), notifications);
        await forwarder.StartAsync(CancellationToken.None);
        return new UpstreamService(serviceName, database, store, notifications, forwarder);
    }

    /// <summary>Appends <paramref name="events"/> to a stream of the other service, acting for <paramref name="tenant"/>; the forwarder sends them on.</summary>
    public Task<AppendResult> AppendAsync(string tenant, string streamId, string streamType, params object[] events) =>
        AppendAsync(new EventMetadata(tenant, "upstream-test", "system", "ppid-tests"), streamId, streamType, events);

    public Task<AppendResult> AppendAsync(EventMetadata metadata, string streamId, string streamType, params object[] events) =>
        Store.AppendAsync(streamId, streamType, ExpectedVersion.Any, [.. events.Select(e => new EventData(e))], metadata);

    public async ValueTask DisposeAsync()
    {
        await _forwarder.StopAsync(CancellationToken.None);
        _forwarder.Dispose();
        await _notifications.DisposeAsync();
        await Database.DisposeAsync();
    }
}
