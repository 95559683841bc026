using Ppid.Platform.Hosting;
using Ppid.Archive;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("archive");
builder.AddArchive();

var app = builder.Build();
app.MapServiceDefaults();
app.MapArchiveApi();
app.Run();

/// <summary>Entry point, public for the integration tests' WebApplicationFactory.</summary>
public partial class Program;
