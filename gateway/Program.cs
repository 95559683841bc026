using Ppid.Gateway;
using Ppid.Gateway.Keys;
using Ppid.Platform.Hosting;

if (args is ["keys", .. var keyArgs])
    return await KeysCommand.RunAsync(keyArgs, Environment.GetEnvironmentVariable("ConnectionStrings__Postgres"), Console.Out, Console.Error);

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("gateway", behindGateway: false);
builder.AddGateway();

var app = builder.Build();
app.MapGateway();
app.Run();
return 0;

/// <summary>Entry point, public for the integration tests' WebApplicationFactory.</summary>
public partial class Program;
