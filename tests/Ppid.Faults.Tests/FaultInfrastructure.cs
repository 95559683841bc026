using System.Globalization;
using Ppid.Testing;
using Ppid.Testing.Load;

namespace Ppid.Faults.Tests;

/// <summary>
/// A PostgreSQL server and a RabbitMQ node of the fault scenarios' own, on their own ports and data
/// directories, started once for the collection: the scenarios restart, stop and freeze them, which
/// the shared servers of the other (parallel) test projects must never see. The scenarios run one
/// after another (one xunit collection).
/// </summary>
public sealed class FaultInfrastructure : IAsyncLifetime
{
    public const string Collection = "faults";

    public PrivatePostgres Postgres { get; private set; } = null!;
    public PrivateRabbitMq RabbitMq { get; private set; } = null!;

    /// <summary>
    /// Two tenants, each with <c>PPID_FAULT_ITEMS</c> items (default 24) in rounds of 8, at
    /// <c>PPID_FAULT_RATE</c> commands/s (default 30): enough load to span each fault and its recovery.
    /// </summary>
    public static SopLoadOptions LoadOptions => new()
    {
        Tenants = 2,
        ItemsPerTenant = Setting("PPID_FAULT_ITEMS", 24),
        ItemsPerRound = 8,
        CommandsPerSecond = Setting("PPID_FAULT_RATE", 30),
        TenantPrefix = "kota-gangguan",
    };

    public async Task InitializeAsync()
    {
        Postgres = await PrivatePostgres.StartAsync();
        RabbitMq = await PrivateRabbitMq.StartAsync();
    }

    /// <summary>
    /// A fresh suite (databases, vhost) on the private servers, gateway rate limits raised for the load,
    /// supervised as in production: a process that exits by itself is started again.
    /// </summary>
    public Suite NewSuite() => new FaultSuite(Infrastructure.Private(Postgres, RabbitMq)) { Supervise = true };

    private sealed class FaultSuite(Infrastructure infrastructure) : UnthrottledSuite(infrastructure);

    public async Task DisposeAsync()
    {
        if (RabbitMq is not null) await RabbitMq.DisposeAsync();
        if (Postgres is not null) await Postgres.DisposeAsync();
    }

    private static int Setting(string name, int fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}

[CollectionDefinition(FaultInfrastructure.Collection)]
public sealed class FaultCollection : ICollectionFixture<FaultInfrastructure>;
