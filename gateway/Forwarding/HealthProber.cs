namespace Ppid.Gateway.Forwarding;

/// <summary>
/// Active health: asks every instance's <c>/health/serving</c> (can it answer requests: its database)
/// on an interval; an instance that does not answer 2xx leaves the rotation until it does. Not
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
        bool healthy;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Health.ProbeTimeout);
            using var response = await http.CreateClient(ClientName).GetAsync(new Uri(instance.BaseUrl, "/health/serving"), timeout.Token);
            healthy = response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            healthy = false;
        }
        if (ct.IsCancellationRequested) return;
        var was = instance.ProbeHealthy;
        instance.Probed(healthy, clock.GetUtcNow());
        if (was != healthy) logger.LogWarning("{Instance} is {State} by its /health/serving", instance, healthy ? "back in rotation" : "out of rotation");
    }
}
