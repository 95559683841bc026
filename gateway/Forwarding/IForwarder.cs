namespace Ppid.Gateway.Forwarding;

/// <summary>Who the gateway vouches for on a forwarded request; null fields are sent as absent.</summary>
public sealed record ForwardedIdentity(string? Tenant, string? ClientSystem, string? ActorId, string? ActorRole)
{
    public static readonly ForwardedIdentity Anonymous = new(null, null, null, null);
}

/// <summary>
/// Sends the current request to an instance of a service and streams its answer back. The one seam
/// of the forwarding: replace the implementation (e.g. by YARP once it restores here) behind it.
/// </summary>
public interface IForwarder
{
    Task ForwardAsync(HttpContext context, ServicePool pool, ForwardedIdentity identity);
}
