namespace Ppid.Gateway.Forwarding;

/// <summary>
/// Active health: asks every instance's <c>/health/serving</c> (can it answer requests: its database)
/// on an interval; an instance that answers otherwise than 2xx, or fails to answer in time
/// <c>Gateway:Health:TimeoutsToLeave</c> times in a row, leaves the rotation until it passes. Not
/// <c>/health/ready</c>, which also fails while the broker is down: commands still work then (the
/// event store is the outbox), and taking every instance out would take the API down with the broker.
/// </summary>
public sealed class HealthProber(ServiceDirectory directory, IHttpClientFactory http, GatewayOptions options, TimeProvider clock, ILogger<HealthProber> logger) : BackgroundService
{
    public const string ClientName = "health";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Health.Interval);
        do
        {
            await Task.WhenAll(directory.Pools.SelectMany(p => p.Instances).Select(i => ProbeAsync(i, stoppingToken)));
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task ProbeAsync(ServiceInstance instance, CancellationToken ct)
    {
        bool? healthy; // null: no answer in time
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Health.ProbeTimeout);
            using var response = await http.CreateClient(ClientName).GetAsync(new Uri(instance.BaseUrl, "/health/serving"), timeout.Token);
            healthy = response.IsSuccessStatusCode;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            healthy = null;
        }
        catch (HttpRequestException)
        {
            healthy = false;
        }
        if (ct.IsCancellationRequested) return;
        var was = instance.ProbeHealthy;
        if (healthy is { } verdict) instance.Probed(verdict, clock.GetUtcNow());
        else instance.ProbeTimedOut(clock.GetUtcNow(), options.Health.TimeoutsToLeave);
        if (was != instance.ProbeHealthy)
            logger.LogWarning("{Instance} is {State} by its /health/serving", instance, instance.ProbeHealthy ? "back in rotation" : "out of rotation");
    }
}
