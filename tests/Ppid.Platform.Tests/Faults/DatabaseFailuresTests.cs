using System.Net.Sockets;
using Npgsql;
using Ppid.Platform.Database;

namespace Ppid.Platform.Tests.Faults;

public sealed class DatabaseFailuresTests
{
    [Theory]
    [InlineData("57P01")] // admin_shutdown: a fast or smart shutdown ended the session
    [InlineData("57P02")] // crash_shutdown
    [InlineData("57P03")] // cannot_connect_now: starting up, in recovery
    [InlineData("53300")] // too_many_connections
    [InlineData("08006")] // connection_failure
    [InlineData("08000")]
    public void A_server_going_away_starting_or_full_is_transient(string sqlState) =>
        DatabaseFailures.IsTransient(new PostgresException("message", "FATAL", "FATAL", sqlState)).ShouldBeTrue();

    [Theory]
    [InlineData("23505")] // unique_violation
    [InlineData("40P01")] // deadlock_detected: a bug to see, not a reason to come back later
    [InlineData("42P01")] // undefined_table
    [InlineData("PPV01")] // the event store's own concurrency error
    public void A_request_the_server_refused_is_not_transient(string sqlState) =>
        DatabaseFailures.IsTransient(new PostgresException("message", "ERROR", "ERROR", sqlState)).ShouldBeFalse();

    [Fact]
    public void A_connection_that_failed_or_broke_or_could_not_be_had_is_transient()
    {
        DatabaseFailures.IsTransient(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))).ShouldBeTrue();
        DatabaseFailures.IsTransient(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())).ShouldBeTrue();
        DatabaseFailures.IsTransient(new NpgsqlException("The connection pool has been exhausted", new TimeoutException())).ShouldBeTrue();
        DatabaseFailures.IsTransient(new InvalidOperationException("wrapped", new NpgsqlException("Failed to connect", new SocketException()))).ShouldBeTrue();
        DatabaseFailures.IsTransient(new AggregateException(new NpgsqlException("Failed to connect", new SocketException()))).ShouldBeTrue();
    }

    [Fact]
    public void Anything_else_is_not_transient()
    {
        DatabaseFailures.IsTransient(new InvalidOperationException("a bug")).ShouldBeFalse();
        DatabaseFailures.IsTransient(new NpgsqlException("no inner cause")).ShouldBeFalse();
        DatabaseFailures.IsTransient(new TimeoutException("not from the database")).ShouldBeFalse();
    }
}
