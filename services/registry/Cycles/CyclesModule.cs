using Ppid.Platform.Hosting;
using Ppid.Registry.Cycles.Closing;
using Ppid.Registry.Cycles.Opening;
using Ppid.Registry.Cycles.Submitting;
using Ppid.Registry.Cycles.TimeStandards;
using Ppid.Registry.Cycles.Verifying;

namespace Ppid.Registry.Cycles;

/// <summary>Wiring of DIP update cycles: their projection and endpoints (time standards, open, submit, verify, close, read).</summary>
public static class CyclesModule
{
    public static PlatformOptions AddCycles(this PlatformOptions options)
    {
        options.InlineProjections.Add(typeof(CyclesProjection));
        return options;
    }

    public static RouteGroupBuilder MapCycles(this RouteGroupBuilder group) =>
        group.MapTimeStandards()
            .MapOpening()
            .MapSubmitting()
            .MapVerifying()
            .MapClosing()
            .MapCycleQueries();
}
