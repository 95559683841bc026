using System.Diagnostics;
using System.Text;
using Npgsql;
using Ppid.Testing;
using RabbitMQ.Client;

namespace Ppid.Platform.Tests.Faults;

/// <summary>A private PostgreSQL server, for tests that restart and stop it (never the shared one).</summary>
public sealed class PrivatePostgresServer : IAsyncLifetime
{
    public PrivatePostgres Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PrivatePostgres.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>A private RabbitMQ node, for tests that restart and freeze it (never the shared one).</summary>
public sealed class PrivateRabbitMqNode : IAsyncLifetime
{
    public PrivateRabbitMq Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await PrivateRabbitMq.StartAsync();

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

public sealed class PrivatePostgresTests(PrivatePostgresServer fixture) : IClassFixture<PrivatePostgresServer>
{
    private readonly PrivatePostgres _server = fixture.Server;

    [Theory]
    [InlineData(PostgresShutdown.Fast)]
    [InlineData(PostgresShutdown.Immediate)]
    public async Task A_row_committed_before_a_restart_is_there_after_it(PostgresShutdown mode)
    {
        var sharedStartedAt = await ScalarAsync<DateTime>(Infrastructure.Shared.Postgres, "select pg_postmaster_start_time()");
        await using var database = await PostgresDatabase.CreateAsync("ppid_fault", Infrastructure.Shared.With(_server));
        await ExecuteAsync(database.DataSource, "create table notes (text text not null)");
        await ExecuteAsync(database.DataSource, $"insert into notes values ('before the {mode} restart')");
        var pid = _server.Pid;

        var restarting = Stopwatch.StartNew();
        await _server.RestartAsync(mode);
        restarting.Stop();

        _server.Pid.ShouldNotBe(pid);
        database.DataSource.Clear(); // the pool's idle connections died with the old server
        await using var read = database.DataSource.CreateCommand("select text from notes");
        (await read.ExecuteScalarAsync()).ShouldBe($"before the {mode} restart");
        restarting.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60));
        // The shared server was not touched.
        (await ScalarAsync<DateTime>(Infrastructure.Shared.Postgres, "select pg_postmaster_start_time()")).ShouldBe(sharedStartedAt);
    }

    [Fact]
    public async Task A_stopped_server_refuses_connections_as_a_transient_failure_until_it_is_started_again()
    {
        await _server.StopAsync();
        try
        {
            _server.IsRunning.ShouldBeFalse();
            await _server.StopAsync(); // stopping a stopped server changes nothing
            var refused = await Should.ThrowAsync<NpgsqlException>(() => ScalarAsync<int>(_server.AdminConnectionString, "select 1"));
            refused.IsTransient.ShouldBeTrue(refused.ToString());
        }
        finally
        {
            await _server.StartAgainAsync();
        }
        (await ScalarAsync<int>(_server.AdminConnectionString, "select 1")).ShouldBe(1);
    }

    [Fact]
    public async Task The_suite_role_needs_its_password_over_tcp()
    {
        var wrong = new NpgsqlConnectionStringBuilder(_server.AdminConnectionString) { Password = "not-the-password" }.ConnectionString;
        var refused = await Should.ThrowAsync<PostgresException>(() => ScalarAsync<int>(wrong, "select 1"));
        refused.SqlState.ShouldBe(PostgresErrorCodes.InvalidPassword);
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false, Timeout = 5 }.ConnectionString);
        await using var cmd = dataSource.CreateCommand(sql);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var cmd = dataSource.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }
}

public sealed class PrivateRabbitMqTests(PrivateRabbitMqNode fixture) : IClassFixture<PrivateRabbitMqNode>
{
    private readonly PrivateRabbitMq _node = fixture.Node;

    [Fact]
    public async Task A_persistent_message_in_a_durable_quorum_queue_survives_a_restart_of_the_broker()
    {
        await using var vhost = await RabbitVhost.CreateAsync("ppid_fault", Infrastructure.Shared.With(_node));
        var pid = _node.Pid;
        await using (var connection = await ConnectAsync(vhost.Uri))
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            await channel.QueueDeclareAsync("survivors", durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
            // With confirmation tracking the call returns when the broker has confirmed (for a quorum queue: written to its log).
            await channel.BasicPublishAsync("", "survivors", mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes("still here"));
        }

        var restarting = Stopwatch.StartNew();
        await _node.RestartAsync();
        restarting.Stop();

        _node.Pid.ShouldNotBe(pid);
        await using (var connection = await ConnectAsync(vhost.Uri))
        await using (var channel = await connection.CreateChannelAsync())
        {
            var message = await channel.BasicGetAsync("survivors", autoAck: true);
            message.ShouldNotBeNull("the message did not survive the restart");
            Encoding.UTF8.GetString(message.Body.Span).ShouldBe("still here");
        }
        restarting.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task A_frozen_broker_takes_no_new_connection_and_confirms_nothing_until_it_is_thawed()
    {
        await using var vhost = await RabbitVhost.CreateAsync("ppid_fault", Infrastructure.Shared.With(_node));
        await using var connection = await ConnectAsync(vhost.Uri);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync("frozen", durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        var pid = _node.Pid;

        await _node.FreezeAsync();
        Task publishing;
        try
        {
            _node.IsFrozen.ShouldBeTrue();
            // The kernel still accepts the TCP connection; the broker never answers the AMQP handshake.
            // RabbitMQ.Client 7.1 then waits for connection.start until cancelled (its handshake timeout
            // does not apply to that wait): whoever connects must bring a deadline.
            using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
                await Should.ThrowAsync<OperationCanceledException>(() => ConnectAsync(vhost.Uri, patience.Token).WaitAsync(TimeSpan.FromSeconds(30)));
            // A publisher waits for a confirm that does not come.
            publishing = channel.BasicPublishAsync("", "frozen", mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes("stalled")).AsTask();
            (await Task.WhenAny(publishing, Task.Delay(TimeSpan.FromSeconds(3)))).ShouldNotBe(publishing, "a frozen broker confirmed a message");
        }
        finally
        {
            await _node.ThawAsync();
        }

        _node.IsFrozen.ShouldBeFalse();
        _node.Pid.ShouldBe(pid); // the same process carried on
        await publishing.WaitAsync(TimeSpan.FromSeconds(30)); // and confirmed the stalled message
        await using var after = await ConnectAsync(vhost.Uri);
        await using var afterChannel = await after.CreateChannelAsync();
        (await afterChannel.MessageCountAsync("frozen")).ShouldBe(1u);
    }

    [Fact]
    public async Task Rabbitmqctl_run_as_root_reaches_the_private_node_and_not_the_shared_one()
    {
        await using var vhost = await RabbitVhost.CreateAsync("ppid_fault", Infrastructure.Shared.With(_node));
        await using var connection = await ConnectAsync(vhost.Uri);

        (await _node.CtlAsync("-q", "list_vhosts", "name")).Split('\n').ShouldContain(vhost.Name);
        await vhost.CloseAllConnectionsAsync(); // rabbitmqctl -n <private node> close_all_connections

        (await Poll.UntilAsync(() => Task.FromResult(!connection.IsOpen), TimeSpan.FromSeconds(10))).ShouldBeTrue("the connection is still open");
    }

    private static async Task<IConnection> ConnectAsync(Uri uri, CancellationToken ct = default)
    {
        var factory = new ConnectionFactory { Uri = uri, AutomaticRecoveryEnabled = false, RequestedConnectionTimeout = TimeSpan.FromSeconds(5) };
        return await factory.CreateConnectionAsync(ct);
    }
}

public sealed class PrivateServersDisposalTests
{
    [Fact]
    public async Task Disposal_leaves_no_process_no_directory_and_frees_the_ports_even_of_a_frozen_broker()
    {
        var starting = Stopwatch.StartNew();
        var postgres = await PrivatePostgres.StartAsync();
        await using var stopsPostgresIfTheTestFails = postgres;
        var rabbit = await PrivateRabbitMq.StartAsync();
        await using var stopsRabbitMqIfTheTestFails = rabbit;
        starting.Stop();
        var (postgresPid, beamPid) = (postgres.Pid, rabbit.Pid);
        await rabbit.FreezeAsync();

        await postgres.DisposeAsync();
        await rabbit.DisposeAsync();
        await postgres.DisposeAsync(); // twice is harmless
        await rabbit.DisposeAsync();

        OsCommand.IsRunning(postgresPid).ShouldBeFalse();
        OsCommand.IsRunning(beamPid).ShouldBeFalse();
        Directory.Exists(postgres.Directory).ShouldBeFalse();
        Directory.Exists(rabbit.Directory).ShouldBeFalse();
        // Once, in a full test run, a port could not be bound right after disposal (it was free a moment
        // later; what held it was not recorded). Each must come free soon; if one does not, the failure
        // names the sockets on it and their processes.
        foreach (var port in new[] { postgres.Port, rabbit.AmqpPort, rabbit.ManagementPort, rabbit.DistributionPort })
        {
            if (!await Poll.UntilAsync(() => Task.FromResult(OsCommand.CanListenOn(port)), TimeSpan.FromSeconds(30)))
                throw new ShouldAssertException($"port {port} is still taken 30 s after disposal:\n{await OsCommand.SocketsOnAsync(port)}");
        }
        await Should.ThrowAsync<ObjectDisposedException>(() => postgres.StartAgainAsync());
        starting.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(180));
    }
}
