using Ppid.Platform.Database;

namespace Ppid.Gateway.Keys;

/// <summary>
/// <c>dotnet run --project gateway -- keys &lt;create|list|rotate|revoke&gt; ...</c>: manages keys directly
/// in the gateway's database (ConnectionStrings__Postgres, or --connection), across tenants. This is
/// how the first admin key of a tenant is made.
/// </summary>
public static class KeysCommand
{
    public const string Usage =
        """
        usage: keys create --tenant <tenant> --scopes <scope,scope> [--client <name>]
               keys list [--tenant <tenant>]
               keys rotate --id <key id> [--grace-hours <hours>]
               keys revoke --id <key id>
        options: --connection <PostgreSQL connection string> (default: ConnectionStrings__Postgres)
        """;

    /// <returns>The process exit code: 0 done, 1 refused, 2 bad usage.</returns>
    public static async Task<int> RunAsync(string[] args, string? configuredConnection, TextWriter output, TextWriter error)
    {
        if (args.Length == 0 || !TryParseOptions(args[1..], out var options))
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }
        var connection = options.GetValueOrDefault("connection") ?? configuredConnection;
        if (string.IsNullOrEmpty(connection))
        {
            await error.WriteLineAsync("No database: set ConnectionStrings__Postgres (the gateway's database) or pass --connection.");
            return 2;
        }
        await using var dataSource = PpidDataSource.Create(connection);
        var store = new ApiKeyStore(dataSource, TimeProvider.System);
        await store.MigrateAsync();
        switch (args[0])
        {
            case "create" when options.TryGetValue("tenant", out var tenant) && options.TryGetValue("scopes", out var scopeList):
                var scopes = scopeList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (KeysApi.ValidateScopes(scopes) is { } invalid)
                {
                    await error.WriteLineAsync(invalid);
                    return 2;
                }
                var issued = await store.CreateAsync(tenant, options.GetValueOrDefault("client") ?? "cli", scopes);
                await output.WriteLineAsync($"id:     {issued.Key.Id}\ntenant: {issued.Key.Tenant}\nscopes: {string.Join(",", issued.Key.Scopes)}\nkey:    {issued.Secret}");
                await output.WriteLineAsync("(the key is shown only now; the gateway keeps its hash)");
                return 0;
            case "list":
                foreach (var k in await store.ListAsync(options.GetValueOrDefault("tenant")))
                {
                    var state = k.RevokedAt is not null ? $"revoked {k.RevokedAt:u}" : k.ExpiresAt is not null ? $"valid until {k.ExpiresAt:u}" : "valid";
                    await output.WriteLineAsync($"{k.Id}  {k.Tenant}  {k.ClientName}  {k.Prefix}…  {string.Join(",", k.Scopes)}  {state}");
                }
                return 0;
            case "rotate" when options.TryGetValue("id", out var rotateId) && Guid.TryParse(rotateId, out var id):
                var hours = options.TryGetValue("grace-hours", out var h) && double.TryParse(h, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : 24;
                try
                {
                    if (await store.RotateAsync(id, null, TimeSpan.FromHours(hours)) is not { } next)
                    {
                        await error.WriteLineAsync($"No key {id}.");
                        return 1;
                    }
                    await output.WriteLineAsync($"id:     {next.Key.Id}\nkey:    {next.Secret}\nthe old key {id} stays valid for {hours} h");
                    return 0;
                }
                catch (KeyNotValidException e)
                {
                    await error.WriteLineAsync(e.Message);
                    return 1;
                }
            case "revoke" when options.TryGetValue("id", out var revokeId) && Guid.TryParse(revokeId, out var rid):
                if (await store.RevokeAsync(rid, null))
                {
                    await output.WriteLineAsync($"revoked {rid}");
                    return 0;
                }
                await error.WriteLineAsync($"No key {rid}.");
                return 1;
            default:
                await error.WriteLineAsync(Usage);
                return 2;
        }
    }

    private static bool TryParseOptions(string[] args, out Dictionary<string, string> options)
    {
        options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) return false;
            options[args[i][2..]] = args[i + 1];
        }
        return true;
    }
}
