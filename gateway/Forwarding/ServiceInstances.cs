namespace Ppid.Gateway.Forwarding;

/// <summary>One configured base URL of a service, with what the gateway knows of its health.</summary>
public sealed class ServiceInstance(string service, Uri baseUrl)
{
    private long _downUntilTicks;
    private long _probedAtTicks;
    private volatile bool _probeHealthy = true;

    public string Service { get; } = service;
    public Uri BaseUrl { get; } = baseUrl;
    public bool ProbeHealthy => _probeHealthy;

    /// <summary>Healthy by the last probe and not marked down by a recent connection failure.</summary>
    public bool IsAvailable(DateTimeOffset now) => _probeHealthy && now.UtcTicks >= Interlocked.Read(ref _downUntilTicks);

    /// <summary>Passive health: a connection failure takes the instance out of rotation until <paramref name="until"/>.</summary>
    public void MarkDown(DateTimeOffset until) => Interlocked.Exchange(ref _downUntilTicks, until.UtcTicks);

    /// <summary>Active health: the probe's verdict at <paramref name="at"/>; a passing probe also ends a passive mark.</summary>
    public void Probed(bool healthy, DateTimeOffset at)
    {
        Interlocked.Exchange(ref _probedAtTicks, at.UtcTicks);
        _probeHealthy = healthy;
        _timeoutsInARow = 0;
        if (healthy) Interlocked.Exchange(ref _downUntilTicks, 0);
    }

    private volatile int _timeoutsInARow;

    /// <summary>
    /// A probe that got no answer in time. An instance that answers "not serving" leaves at once, but
    /// one slow answer on a busy machine says little: only <paramref name="timeoutsToLeave"/> in a row
    /// take it out (a dead process refuses connections and is marked down by the forwarder at once).
    /// </summary>
    public void ProbeTimedOut(DateTimeOffset at, int timeoutsToLeave)
    {
        Interlocked.Exchange(ref _probedAtTicks, at.UtcTicks);
        if (++_timeoutsInARow >= timeoutsToLeave) _probeHealthy = false;
    }

    /// <summary>
    /// The earliest moment an unavailable instance can be back in rotation: its next probe (every
    /// <paramref name="probeInterval"/>; only a passing one brings it back), or, when only a connection
    /// failure took it out, the end of that mark if sooner.
    /// </summary>
    public DateTimeOffset AvailableAgainAt(DateTimeOffset now, TimeSpan probeInterval)
    {
        var probedAt = Interlocked.Read(ref _probedAtTicks);
        var nextProbe = probedAt == 0 ? now + probeInterval : new DateTimeOffset(probedAt, TimeSpan.Zero) + probeInterval;
        if (nextProbe < now) nextProbe = now; // a probe is due (or under way)
        if (!_probeHealthy) return nextProbe;
        var downUntil = new DateTimeOffset(Interlocked.Read(ref _downUntilTicks), TimeSpan.Zero);
        return downUntil < nextProbe ? downUntil : nextProbe;
    }

    public override string ToString() => $"{Service} at {BaseUrl}";
}

/// <summary>The instances of one service, taken in round-robin order, skipping those that are unavailable.</summary>
public sealed class ServicePool(string name, IReadOnlyList<ServiceInstance> instances)
{
    private uint _next;

    public string Name { get; } = name;
    public IReadOnlyList<ServiceInstance> Instances { get; } = instances;

    /// <summary>Available instances, starting one further than the previous call.</summary>
    public IEnumerable<ServiceInstance> Candidates(DateTimeOffset now)
    {
        var start = Interlocked.Increment(ref _next);
        for (var i = 0; i < Instances.Count; i++)
        {
            var instance = Instances[(int)((start + (uint)i) % (uint)Instances.Count)];
            if (instance.IsAvailable(now)) yield return instance;
        }
    }

    /// <summary>How long until an instance can be back in rotation, when none is now (see <see cref="ServiceInstance.AvailableAgainAt"/>).</summary>
    public TimeSpan UnavailableFor(DateTimeOffset now, TimeSpan probeInterval)
    {
        var earliest = DateTimeOffset.MaxValue;
        foreach (var instance in Instances)
        {
            var at = instance.IsAvailable(now) ? now : instance.AvailableAgainAt(now, probeInterval);
            if (at < earliest) earliest = at;
        }
        return earliest - now;
    }
}

/// <summary>
/// The services the gateway routes to, from <c>Gateway:Services:{name}</c>: one base URL, or a list
/// of them (<c>Gateway:Services:registry:0</c>, <c>:1</c> ...) for several instances.
/// </summary>
public sealed class ServiceDirectory
{
    public static readonly string[] ServiceNames = ["registry", "classification", "publication", "archive"];

    private readonly Dictionary<string, ServicePool> _pools;

    private ServiceDirectory(Dictionary<string, ServicePool> pools) => _pools = pools;

    public IEnumerable<ServicePool> Pools => _pools.Values;

    public ServicePool? Find(string service) => _pools.GetValueOrDefault(service);

    public static ServiceDirectory FromConfiguration(IConfiguration configuration)
    {
        var pools = new Dictionary<string, ServicePool>(StringComparer.Ordinal);
        foreach (var name in ServiceNames)
        {
            var key = $"Gateway:Services:{name}";
            var section = configuration.GetSection(key);
            var urls = section.Value is { Length: > 0 } single ? [single]
                : section.GetChildren().Select(c => c.Value).OfType<string>().Where(v => v.Length > 0).ToList();
            if (urls.Count == 0)
                throw new InvalidOperationException($"{key} is not configured (the base URL of the {name} service, or a list of them; deploy/local/suite.sh sets it).");
            var instances = urls.Select(url =>
                Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query)
                    ? new ServiceInstance(name, uri)
                    : throw new InvalidOperationException($"{key} has '{url}', which is not an absolute http(s) base URL.")).ToList();
            pools[name] = new ServicePool(name, instances);
        }
        return new ServiceDirectory(pools);
    }
}
