using Ppid.Platform.Hosting;
using Ppid.Publication;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("publication");
builder.AddPublication();

var app = builder.Build();
app.MapServiceDefaults();
app.MapPublicationApi();
app.Run();

/// <summary>Entry point, public for the integration tests' WebApplicationFactory.</summary>
public partial class Program;
