using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using Ppid.Platform.Database;
using Ppid.Platform.EventSourcing;

namespace Ppid.Platform.Tests.Faults;

/// <summary>
/// A connection that breaks at the COMMIT, made by a proxy between Npgsql and PostgreSQL: the answer
/// to a COMMIT the server received is lost (it committed), or the COMMIT never arrives (it rolled
/// back). <see cref="Commits"/> must tell the two apart, and say so when it cannot ask.
/// </summary>
public sealed class CommitOutcomeTests(EventStoreDatabase db) : IClassFixture<EventStoreDatabase>
{
    [Fact]
    public async Task A_commit_whose_answer_was_lost_is_found_committed()
    {
        await using var proxy = BreakingProxy.Start(db.Database.ConnectionString, BreakAt.AnswerToCommit);
        var (failed, eventId) = await AppendAndCommitAsync(proxy);

        failed.ShouldBeNull("the commit was made, so it must not be reported as failed");
        (await EventExistsAsync(eventId)).ShouldBeTrue();
        proxy.Broke.ShouldBeTrue();
    }

    [Fact]
    public async Task A_commit_that_never_reached_the_server_is_reported_as_the_transient_failure_and_nothing_is_stored()
    {
        await using var proxy = BreakingProxy.Start(db.Database.ConnectionString, BreakAt.Commit);
        var (failed, eventId) = await AppendAndCommitAsync(proxy);

        proxy.Broke.ShouldBeTrue();
        failed.ShouldNotBeNull();
        failed.ShouldNotBeOfType<CommitOutcomeUnknownException>();
        DatabaseFailures.IsTransient(failed).ShouldBeTrue(failed.ToString());
        (await EventExistsAsync(eventId)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_lost_commit_answer_is_reported_unknown_when_the_database_cannot_be_asked()
    {
        await using var proxy = BreakingProxy.Start(db.Database.ConnectionString, BreakAt.AnswerToCommit, refuseAfterwards: true);
        var (failed, eventId) = await AppendAndCommitAsync(proxy);

        proxy.Broke.ShouldBeTrue();
        failed.ShouldBeOfType<CommitOutcomeUnknownException>();
        DatabaseFailures.IsTransient(failed.InnerException!).ShouldBeTrue();
        (await EventExistsAsync(eventId)).ShouldBeTrue(); // it was committed after all: hence "unknown", not "refused"
    }

    private async Task<(Exception? Failed, Guid EventId)> AppendAndCommitAsync(BreakingProxy proxy)
    {
        await using var dataSource = NpgsqlDataSource.Create(proxy.ConnectionString);
        var store = new EventStore(dataSource, db.Types, TimeProvider.System);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var appended = await store.AppendAsync(connection, tx, $"account-{Guid.NewGuid()}", "test.account", ExpectedVersion.NoStream,
            [new EventData(new AccountOpened("a", "Siti", DateTimeOffset.UtcNow))], Meta.For());
        var eventId = appended.Events[0].EventId;
        try
        {
            await Commits.CommitAsync(dataSource, tx, eventId, CancellationToken.None);
            return (null, eventId);
        }
        catch (Exception e)
        {
            return (e, eventId);
        }
    }

    private async Task<bool> EventExistsAsync(Guid eventId)
    {
        await using var cmd = db.DataSource.CreateCommand("select exists (select 1 from events where event_id = $1)");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = eventId });
        return (bool)(await cmd.ExecuteScalarAsync())!;
    }

    private enum BreakAt
    {
        /// <summary>The COMMIT is not passed on: the server sees the client go away mid-transaction.</summary>
        Commit,

        /// <summary>The COMMIT is passed on, its answer is not: the server commits, the client sees a broken connection.</summary>
        AnswerToCommit,
    }

    /// <summary>Passes PostgreSQL's protocol through unchanged until the first COMMIT, where it breaks the connection.</summary>
    private sealed class BreakingProxy : IAsyncDisposable
    {
        private static readonly byte[] Commit = Encoding.ASCII.GetBytes("COMMIT\0");
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly (string Host, int Port) _server;
        private readonly BreakAt _breakAt;
        private readonly bool _refuseAfterwards;
        private Task _accepting = Task.CompletedTask;

        private BreakingProxy(string serverConnectionString, BreakAt breakAt, bool refuseAfterwards)
        {
            var builder = new NpgsqlConnectionStringBuilder(serverConnectionString);
            _server = (builder.Host!, builder.Port);
            _breakAt = breakAt;
            _refuseAfterwards = refuseAfterwards;
            _listener.Start();
            ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString)
            {
                // Plain text, so the proxy sees the COMMIT (the shared server offers TLS, which Npgsql prefers).
                Host = "127.0.0.1", Port = ((IPEndPoint)_listener.LocalEndpoint).Port, Timeout = 3, SslMode = SslMode.Disable,
            }.ConnectionString;
        }

        public string ConnectionString { get; }

        /// <summary>True once a connection was broken at a COMMIT.</summary>
        public bool Broke { get; private set; }

        public static BreakingProxy Start(string serverConnectionString, BreakAt breakAt, bool refuseAfterwards = false)
        {
            var proxy = new BreakingProxy(serverConnectionString, breakAt, refuseAfterwards);
            proxy._accepting = proxy.AcceptAsync();
            return proxy;
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    _ = RelayAsync(client);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // Stopped.
            }
        }

        private async Task RelayAsync(TcpClient client)
        {
            using var _ = client;
            using var server = new TcpClient();
            await server.ConnectAsync(_server.Host, _server.Port);
            var toClient = server.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
            var buffer = new byte[64 * 1024];
            var fromClient = client.GetStream();
            try
            {
                while (await fromClient.ReadAsync(buffer, _stop.Token) is var read and > 0)
                {
                    var chunk = buffer.AsMemory(0, read);
                    if (!Broke && chunk.Span.IndexOf(Commit) >= 0)
                    {
                        Broke = true;
                        if (_refuseAfterwards) _listener.Stop();
                        // First the client sees a reset (as when the server's process dies), so no answer can reach it ...
                        client.Client.LingerState = new LingerOption(true, 0);
                        client.Close();
                        // ... then the server gets the COMMIT (or not) and, closing the connection, the end of the session.
                        if (_breakAt == BreakAt.AnswerToCommit) await server.GetStream().WriteAsync(chunk, _stop.Token);
                        await Task.Delay(200, _stop.Token);
                        return;
                    }
                    await server.GetStream().WriteAsync(chunk, _stop.Token);
                }
                await toClient;
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                // One side went away.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
        }
    }
}
