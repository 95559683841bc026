using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Ppid.Platform.Http;

/// <summary>
/// Services accept calls only from the gateway: when <c>Platform:GatewaySecret</c> is set, every
/// request except <c>/health/*</c> must carry it in <c>X-Ppid-Gateway</c> (the gateway sends its
/// <c>Gateway:Secret</c>), otherwise it is a 401 problem. Only the gateway checks API keys and
/// binds the tenant, so a caller that reached a service directly could name any tenant.
/// In Production a missing secret stops start-up; Development and Testing without one allow
/// direct calls (the services' own tests call them directly).
/// </summary>
public static class GatewayTrust
{
    public const string Header = "X-Ppid-Gateway";
    public const string SecretSetting = "Platform:GatewaySecret";

    /// <summary>The configured secret, or null when direct calls are allowed; throws in Production without one.</summary>
    public static byte[]? ReadSecret(IConfiguration configuration, IHostEnvironment environment)
    {
        var secret = configuration[SecretSetting];
        if (!string.IsNullOrEmpty(secret)) return Encoding.UTF8.GetBytes(secret);
        if (environment.IsProduction())
            throw new InvalidOperationException(
                $"{SecretSetting} is not configured: in Production a service accepts calls only from the gateway. Set Platform__GatewaySecret to the gateway's Gateway__Secret.");
        return null;
    }

    public static IApplicationBuilder UseGatewayTrust(this IApplicationBuilder app, byte[] secret)
    {
        var expected = SHA256.HashData(secret);
        return app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/health") || Matches(context.Request.Headers[Header].ToString(), expected))
            {
                await next(context);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await Results.Problem(
                title: "Not called through the gateway",
                detail: "This service accepts requests only from the PPID gateway.",
                statusCode: StatusCodes.Status401Unauthorized,
                type: Problems.TypeBase + "gateway-only").ExecuteAsync(context);
        });
    }

    /// <summary>Compares hashes, so the comparison takes the same time whatever the length or content of the offered value.</summary>
    private static bool Matches(string offered, byte[] expectedHash) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(offered)), expectedHash);
}
