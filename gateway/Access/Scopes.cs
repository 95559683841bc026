using Ppid.Platform.Http;

namespace Ppid.Gateway.Access;

/// <summary>The scopes an API key may hold, and the roles they let it assert.</summary>
public static class Scopes
{
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All =
    [
        "registry:write", "classification:propose", "classification:decide", "classification:ratify",
        "publication:publish", "archive:manage", "audit:read", Admin,
    ];

    /// <summary>The roles a key with <paramref name="scopes"/> may assert in <c>X-Actor-Role</c> (<see cref="Roles.ForScope"/>).</summary>
    public static bool MayAssert(IEnumerable<string> scopes, string role) => scopes.Any(s => Roles.ForScope(s).Contains(role));
}
