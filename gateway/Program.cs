using Ppid.Gateway;
using Ppid.Platform.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("gateway");
builder.AddGateway();

var app = builder.Build();
app.MapServiceDefaults();
app.Run();

/// <summary>Entry point, public for the integration tests' WebApplicationFactory.</summary>
public partial class Program;
