using Ppid.Platform.Database;

namespace Ppid.Platform.EventSourcing;

public static class PlatformMigrations
{
    /// <summary>The event store tables and the append function (streams, events, checkpoints, inbox).</summary>
    public static readonly MigrationSource EventStore = new("event-store", typeof(PlatformMigrations).Assembly, "EventSourcing/Migrations");
}
