using System.Reflection;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Ppid.Platform.EventSourcing;

namespace Ppid.Platform.Messaging;

/// <summary>
/// One way to configure MassTransit on RabbitMQ for every service (and the tests):
/// exchanges named by the events' stable names, raw JSON bodies, publisher confirms,
/// durable quorum queues, retries with backoff, then the queue's <c>_error</c> queue.
/// </summary>
public static class BusConfiguration
{
    /// <summary>Host, vhost and credentials from an <c>amqp://user:password@host:port/vhost</c> URI.</summary>
    private static void ConfigureHost(IRabbitMqBusFactoryConfigurator cfg, Uri amqp)
    {
        if (amqp.Scheme is not ("amqp" or "amqps"))
            throw new InvalidOperationException($"RabbitMQ connection string must be an amqp:// URI, got '{amqp.Scheme}://'.");
        var vhost = Uri.UnescapeDataString(amqp.AbsolutePath.TrimStart('/'));
        var credentials = Uri.UnescapeDataString(amqp.UserInfo).Split(':', 2);
        var port = amqp.IsDefaultPort || amqp.Port <= 0 ? (amqp.Scheme == "amqps" ? 5671 : 5672) : amqp.Port;
        cfg.Host(amqp.Host, (ushort)port, vhost.Length == 0 ? "/" : vhost, h =>
        {
            if (credentials.Length == 2)
            {
                h.Username(credentials[0]);
                h.Password(credentials[1]);
            }
            h.PublisherConfirmation = true;
            h.Heartbeat(TimeSpan.FromSeconds(10));
            h.RequestedConnectionTimeout(TimeSpan.FromSeconds(10));
            if (amqp.Scheme == "amqps") h.UseSsl(s => s.Protocol = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13);
        });
        cfg.MessageTopology.SetEntityNameFormatter(new StableNameFormatter(cfg.MessageTopology.EntityNameFormatter));
        cfg.UseRawJsonDeserializer(RawSerializerOptions.Default, isDefault: false);
        // Stored events carry enums as kebab-case strings (serta-merta, court-decision): MassTransit
        // must read them as the event store does, or every contract event with an enum faults.
        cfg.ConfigureJsonSerializerOptions(o =>
        {
            o.Converters.Insert(0, new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.KebabCaseLower));
            return o;
        });
    }

    /// <summary>
    /// Messages each receive endpoint applies at once (<c>Platform:ConsumerConcurrency</c>, default 4;
    /// MassTransit's own default is 16). On the two-core machine of docs/benchmarks.md, 4 cut the
    /// ratification → public p99 at 100 tenants from 166–333 ms to 66–68 ms in paired runs: with 16, a
    /// burst (the editions of 100 tenants archived at once) put dozens of handlers and PostgreSQL
    /// transactions on two cores, and the one urgent message waited among them. 2 let the archive fall
    /// behind. On more cores a higher value may serve better.
    /// </summary>
    public const int DefaultConcurrency = 4;

    /// <summary>A bus on <paramref name="amqp"/> with a receive endpoint per subscription (see <see cref="ConsumerBus"/>, which holds it).</summary>
    public static IBusControl CreateBus(Uri amqp, IServiceProvider services, EventTypes types, IEnumerable<Subscription> subscriptions,
        int concurrency = DefaultConcurrency) =>
        Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            ConfigureHost(cfg, amqp);
            ConfigureSubscriptions(cfg, services, types, subscriptions, concurrency);
        });

    /// <summary>A receive endpoint per subscription, with an inbox consumer for every event type it follows.</summary>
    private static void ConfigureSubscriptions(IRabbitMqBusFactoryConfigurator cfg, IServiceProvider services, EventTypes types, IEnumerable<Subscription> subscriptions,
        int concurrency)
    {
        foreach (var subscription in subscriptions)
        {
            var eventTypes = subscription.StreamTypes.SelectMany(types.OfStreamType).ToList();
            if (eventTypes.Count == 0)
                throw new InvalidOperationException($"Subscription '{subscription.Queue}' follows {string.Join(", ", subscription.StreamTypes)} but no registered event type belongs to them.");
            var handler = (IEventHandler)services.GetRequiredService(subscription.Handler);
            cfg.ReceiveEndpoint(subscription.Queue, e =>
            {
                e.SetQuorumQueue();
                e.PrefetchCount = 64;
                e.ConcurrentMessageLimit = concurrency;
                // Transient failures (database restart, deadlock) pass with retries; a message that keeps
                // failing goes to the queue's _error queue for an operator. Order needs no retry (see InboxConsumer).
                e.UseMessageRetry(r =>
                {
                    r.Exponential(subscription.RetryLimit, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
                    r.Ignore<ConflictingEventException>(); // a changed history does not heal by waiting
                });
                foreach (var eventType in eventTypes)
                {
                    var consumerType = typeof(InboxConsumer<>).MakeGenericType(eventType.ClrType);
                    e.Consumer(consumerType, _ => ActivatorUtilities.CreateInstance(services, consumerType, subscription, handler));
                }
            });
        }
    }

    private sealed class StableNameFormatter(IEntityNameFormatter fallback) : IEntityNameFormatter
    {
        public string FormatEntityName<T>() =>
            typeof(T).GetCustomAttribute<MessageUrnAttribute>() is { } urn ? EventTypes.NameFromUrn(urn.Urn.ToString()) : fallback.FormatEntityName<T>();
    }
}
