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
// Not 0: a bus watchdog that gave up sets 70 so that the supervisor starts the process afresh.
return Environment.ExitCode;

/// <summary>Entry point, public for the integration tests' WebApplicationFactory.</summary>
public partial class Program;
