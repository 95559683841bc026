using Npgsql;
using Ppid.Platform.EventSourcing;

namespace Ppid.Platform.Tests.EventSourcing;

public sealed class IntegrityTests(EventStoreDatabase db) : IClassFixture<EventStoreDatabase>
{
    private async Task<(Ppid.Platform.EventSourcing.EventStore Store, string Stream, string Tenant)> StreamWithFiveEvents()
    {
        var store = db.Store();
        var tenant = "tenant-" + Guid.NewGuid().ToString("N")[..8];
        var stream = $"account-{Guid.NewGuid():N}";
        await store.AppendAsync(stream, "test.account", ExpectedVersion.NoStream, [new(new AccountOpened(stream, "Ayu \"Ω\" <b>", DateTimeOffset.UnixEpoch))], Meta.For(tenant));
        for (var i = 1; i <= 4; i++)
            await store.AppendAsync(stream, "test.account", ExpectedVersion.Exactly(i), [new(new MoneyDeposited(stream, i * 1.50m, $"setoran {i} ✓"))], Meta.For(tenant));
        return (store, stream, tenant);
    }

    private async Task Execute(string sql, string stream)
    {
        await using var cmd = db.DataSource.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task An_untouched_stream_verifies_although_jsonb_rewrote_its_json()
    {
        var (_, _, tenant) = await StreamWithFiveEvents();
        var report = await IntegrityVerifier.VerifyDatabaseAsync(db.DataSource, tenant);
        report.Intact.ShouldBeTrue(report.FirstFailure?.Reason);
        report.EventsChecked.ShouldBe(5);
        report.StreamsChecked.ShouldBe(1);
    }

    [Fact]
    public async Task Editing_an_event_payload_is_reported_at_its_version()
    {
        var (_, stream, tenant) = await StreamWithFiveEvents();
        await Execute("update events set data = jsonb_set(data, '{amount}', '1000') where stream_id = $1 and stream_version = 3", stream);
        var report = await IntegrityVerifier.VerifyDatabaseAsync(db.DataSource, tenant);
        report.FirstFailure.ShouldBe(new IntegrityFailure(stream, 3, report.FirstFailure!.Reason));
        report.FirstFailure.Reason.ShouldContain("hash");
    }

    [Fact]
    public async Task Editing_metadata_or_the_recorded_time_is_reported()
    {
        var (_, stream, tenant) = await StreamWithFiveEvents();
        await Execute("update events set metadata = jsonb_set(metadata, '{actorId}', '\"someone-else\"') where stream_id = $1 and stream_version = 2", stream);
        (await IntegrityVerifier.VerifyDatabaseAsync(db.DataSource, tenant)).FirstFailure!.Version.ShouldBe(2);

        var (_, stream2, tenant2) = await StreamWithFiveEvents();
        await Execute("update events set recorded_at = recorded_at - interval '1 day' where stream_id = $1 and stream_version = 4", stream2);
        (await IntegrityVerifier.VerifyDatabaseAsync(db.DataSource, tenant2)).FirstFailure!.Version.ShouldBe(4);
    }

    [Fact]
    public async Task Deleting_an_event_in_the_middle_or_at_the_end_is_reported()
    {
        var (_, stream, tenant) = await StreamWithFiveEvents();
        await Execute("delete from events where stream_id = $1 and stream_version = 2", stream);
        var middle = await IntegrityVerifier.VerifyDatabaseAsync(db.DataSource, tenant);
        middle.FirstFailure!.StreamId.ShouldBe(stream);
        middle.FirstFailure.Version.ShouldBe(2);
        middle.FirstFailure.Reason.ShouldContain("missing");

        var (_, stream2, tenant2) = await StreamWithFiveEvents();
        await Execute("delete from events where stream_id = $1 and stream_version = 5", stream2);
        var end = await IntegrityVerifier.VerifyDatabaseAsync(db.DataSource, tenant2);
        end.FirstFailure!.StreamId.ShouldBe(stream2);
        end.FirstFailure.Version.ShouldBe(5);
    }

    [Fact]
    public async Task Swapping_two_events_is_reported()
    {
        var (_, stream, tenant) = await StreamWithFiveEvents();
        // Swap the payloads of versions 2 and 4 (ids, hashes and positions stay).
        await Execute(
            """
            with a as (select data from events where stream_id = $1 and stream_version = 2),
                 b as (select data from events where stream_id = $1 and stream_version = 4)
            update events e set data = case e.stream_version when 2 then (select data from b) else (select data from a) end
             where e.stream_id = $1 and e.stream_version in (2, 4)
            """, stream);
        var report = await IntegrityVerifier.VerifyDatabaseAsync(db.DataSource, tenant);
        report.FirstFailure!.Version.ShouldBe(2);

        var (_, stream2, tenant2) = await StreamWithFiveEvents();
        // Swap whole rows' versions (a reorder that keeps each row's own hash).
        await Execute("update events set stream_version = -1 where stream_id = $1 and stream_version = 3", stream2);
        await Execute("update events set stream_version = 3 where stream_id = $1 and stream_version = 4", stream2);
        await Execute("update events set stream_version = 4 where stream_id = $1 and stream_version = -1", stream2);
        (await IntegrityVerifier.VerifyDatabaseAsync(db.DataSource, tenant2)).FirstFailure!.Version.ShouldBe(3);
    }

    [Fact]
    public async Task The_chain_recomputed_in_code_equals_the_hashes_postgres_stored()
    {
        var (store, stream, _) = await StreamWithFiveEvents();
        var events = await store.ReadStreamAsync(stream);
        byte[] previous = [];
        foreach (var e in events)
        {
            var expected = IntegrityVerifier.ExpectedHash(previous, e.Stored);
            expected.ShouldBe(e.Stored.Hash);
            previous = expected;
        }
        (await store.GetStreamAsync(stream))!.LastHash.ShouldBe(previous);
    }
}
