using Ppid.Platform.Hosting;
using Ppid.Archive;
using Ppid.Archive.Replay;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("archive");
builder.AddArchive();

var app = builder.Build();
if (ReplayCommand.IsReplay(args)) return await ReplayCommand.RunAsync(app.Services, args, Console.Out, Console.Error);
app.MapServiceDefaults();
app.MapArchiveApi();
app.Run();
return 0;

/// <summary>Entry point, public for the integration tests' WebApplicationFactory.</summary>
public partial class Program;
