namespace Ppid.Testing;

/// <summary>
/// The suite with the gateway's per-key and anonymous rate limits raised (a burst of 100, 50 a
/// second by default): for the abuse test, whose requests must reach the services instead of
/// stopping at 429, and for the SOP load driver, where one key per tenant does the work of a whole
/// body's staff and the driver polls the public page and the archive. Everything else is production
/// configuration.
/// </summary>
public class UnthrottledSuite : Suite
{
    private const string Unlimited = "1000000";

    public UnthrottledSuite() : this(instancesPerService: 1) { }

    protected UnthrottledSuite(int instancesPerService) : base(instancesPerService) { }

    /// <summary>On other servers than the shared ones (a fault scenario's private PostgreSQL and RabbitMQ).</summary>
    protected UnthrottledSuite(Infrastructure infrastructure, int instancesPerService = 1) : base(infrastructure, instancesPerService) { }

    protected override Dictionary<string, string> ServiceEnvironment(string name)
    {
        var environment = base.ServiceEnvironment(name);
        if (name == "gateway")
            foreach (var limit in (string[])["RateLimit", "AnonymousRateLimit"])
            {
                environment[$"Gateway__{limit}__TokenLimit"] = Unlimited;
                environment[$"Gateway__{limit}__TokensPerPeriod"] = Unlimited;
            }
        return environment;
    }
}
