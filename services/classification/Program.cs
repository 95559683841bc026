using Ppid.Platform.Hosting;
using Ppid.Classification;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("classification");
builder.AddClassification();

var app = builder.Build();
app.MapServiceDefaults();
app.MapClassificationApi();
app.Run();

/// <summary>Entry point, public for the integration tests' WebApplicationFactory.</summary>
public partial class Program;
