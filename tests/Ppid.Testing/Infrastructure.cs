namespace Ppid.Testing;

/// <summary>
/// The PostgreSQL server and RabbitMQ node a fixture creates its databases and vhosts on.
/// <see cref="Shared"/> is the local development infrastructure every test class shares (never
/// restart it); a fault scenario passes <see cref="Private"/> servers it may restart, stop and freeze.
/// </summary>
/// <param name="Postgres">Admin connection string (a role that may create and drop databases), without a database.</param>
/// <param name="RabbitMq">amqp://user:password@host:port/ of the broker.</param>
/// <param name="RabbitMqManagement">http://user:password@host:port/ of its management API.</param>
/// <param name="RabbitMqNode">The node <c>rabbitmqctl -n</c> addresses; null for the default node (<c>rabbit@host</c>).</param>
public sealed record Infrastructure(string Postgres, Uri RabbitMq, Uri RabbitMqManagement, string? RabbitMqNode = null)
{
    /// <summary>The local development infrastructure (<see cref="TestInfrastructure"/>: the environment, else infra.sh's defaults).</summary>
    public static Infrastructure Shared => new(TestInfrastructure.Postgres, TestInfrastructure.RabbitMq, TestInfrastructure.RabbitMqManagement);

    /// <summary>A private PostgreSQL server and RabbitMQ node, for scenarios that break them.</summary>
    public static Infrastructure Private(PrivatePostgres postgres, PrivateRabbitMq rabbitMq) => Shared.With(postgres).With(rabbitMq);

    /// <summary>This infrastructure with <paramref name="postgres"/> as its PostgreSQL server.</summary>
    public Infrastructure With(PrivatePostgres postgres) => this with { Postgres = postgres.AdminConnectionString };

    /// <summary>This infrastructure with <paramref name="rabbitMq"/> as its broker.</summary>
    public Infrastructure With(PrivateRabbitMq rabbitMq) =>
        this with { RabbitMq = rabbitMq.AmqpUri, RabbitMqManagement = rabbitMq.ManagementUri, RabbitMqNode = rabbitMq.NodeName };

    /// <summary>The connection string with its password left out, for messages.</summary>
    internal string PostgresForDisplay => new Npgsql.NpgsqlConnectionStringBuilder(Postgres) { Password = null }.ConnectionString;
}
