namespace Ppid.Platform.Messaging;

/// <summary>Whether a fresh connection to the broker opens now: readiness, and the bus watchdog before it restarts a bus.</summary>
public static class BrokerProbe
{
    public static async Task<bool> CanConnectAsync(Uri amqp, CancellationToken ct) => await UnreachableBecauseAsync(amqp, ct) is null;

    /// <summary>Null when a connection opened (and was closed again); else why it did not.</summary>
    public static async Task<string?> UnreachableBecauseAsync(Uri amqp, CancellationToken ct)
    {
        try
        {
            var factory = new RabbitMQ.Client.ConnectionFactory
            {
                Uri = amqp, AutomaticRecoveryEnabled = false, RequestedConnectionTimeout = TimeSpan.FromSeconds(3), ClientProvidedName = "ppid-health",
            };
            await using var connection = await factory.CreateConnectionAsync(ct);
            return null;
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException or TimeoutException
                                   || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return e.Message;
        }
    }
}
