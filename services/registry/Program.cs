using Ppid.Platform.Hosting;
using Ppid.Registry;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("registry");
builder.AddRegistry();

var app = builder.Build();
app.MapServiceDefaults();
app.MapRegistryApi();
app.Run();

/// <summary>Entry point, public for the integration tests' WebApplicationFactory.</summary>
public partial class Program;
