using System.Collections.Frozen;
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

    private static readonly FrozenDictionary<string, FrozenSet<string>> RolesOf =
        All.ToFrozenDictionary(s => s, s => Roles.ForScope(s).ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>The roles a key with <paramref name="scopes"/> may assert in <c>X-Actor-Role</c> (<see cref="Roles.ForScope"/>).</summary>
    public static bool MayAssert(IReadOnlyList<string> scopes, string role)
    {
        foreach (var scope in scopes)
            if (RolesOf.TryGetValue(scope, out var roles) && roles.Contains(role)) return true;
        return false;
    }
}
