using Npgsql;

namespace Ppid.Platform.EventSourcing;

public sealed record IntegrityFailure(string StreamId, long Version, string Reason);

public sealed record IntegrityReport(long StreamsChecked, long EventsChecked, IReadOnlyList<IntegrityFailure> Failures)
{
    public bool Intact => Failures.Count == 0;
    public IntegrityFailure? FirstFailure => Failures.Count > 0 ? Failures[0] : null;
}

/// <summary>
/// Recomputes every stream's hash chain from the stored rows (see <see cref="EventHashing"/>):
/// an edited payload, a deleted or inserted event, or two swapped events break the chain at the
/// first affected version. The chain logic is pure, so the archive's ledger and an exported
/// evidence bundle are verified by the same code.
/// </summary>
public static class IntegrityVerifier
{
    /// <summary>Verifies the events and streams tables of one service database (optionally one tenant).</summary>
    public static async Task<IntegrityReport> VerifyDatabaseAsync(NpgsqlDataSource dataSource, string? tenant = null, int maxFailures = 100, CancellationToken ct = default)
    {
        var heads = new Dictionary<string, (long Version, byte[] Hash)>(StringComparer.Ordinal);
        await using (var cmd = dataSource.CreateCommand($"select id, version, last_hash from streams {(tenant is null ? "" : "where tenant = $1")}"))
        {
            if (tenant is not null) cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) heads[reader.GetString(0)] = (reader.GetInt64(1), (byte[])reader[2]);
        }
        var chain = new ChainVerifier(maxFailures);
        await using (var cmd = dataSource.CreateCommand(
            $"select {EventStore.Columns} from events {(tenant is null ? "" : "where tenant = $1")} order by stream_id, stream_version"))
        {
            if (tenant is not null) cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) chain.Add(EventStore.ReadStored(reader));
        }
        return chain.Complete(heads);
    }

    /// <summary>Checks events given in (stream, version) order; feed them one by one, then <see cref="Complete"/>.</summary>
    public sealed class ChainVerifier(int maxFailures = 100)
    {
        private readonly List<IntegrityFailure> _failures = [];
        private readonly Dictionary<string, (long Version, byte[] Hash)> _lastSeen = new(StringComparer.Ordinal);
        private string? _stream;
        private long _version;
        private byte[] _hash = [];
        private bool _broken;
        private long _events;

        public void Add(StoredEvent e)
        {
            _events++;
            if (!string.Equals(e.StreamId, _stream, StringComparison.Ordinal))
            {
                if (_stream is not null) _lastSeen[_stream] = (_version, _hash);
                _stream = e.StreamId; _version = 0; _hash = []; _broken = false;
            }
            if (_broken) return; // report the first break of each stream only
            if (e.StreamVersion != _version + 1)
            {
                Fail(e.StreamId, _version + 1, e.StreamVersion > _version + 1
                    ? $"event at version {_version + 1} is missing (next stored is {e.StreamVersion})"
                    : $"version {e.StreamVersion} appears twice or out of order");
                return;
            }
            var expected = ExpectedHash(_hash, e);
            if (!expected.AsSpan().SequenceEqual(e.Hash))
            {
                Fail(e.StreamId, e.StreamVersion, "hash does not match the event's content and the previous hash (edited, reordered or replaced)");
                return;
            }
            _version = e.StreamVersion;
            _hash = expected;
        }

        /// <summary>Compares each stream's recorded head (version and last hash) with what the events chain to.</summary>
        public IntegrityReport Complete(IReadOnlyDictionary<string, (long Version, byte[] Hash)>? heads = null)
        {
            if (_stream is not null) _lastSeen[_stream] = (_version, _hash);
            var brokenStreams = _failures.Select(f => f.StreamId).ToHashSet(StringComparer.Ordinal);
            if (heads is not null)
            {
                foreach (var (stream, head) in heads.OrderBy(h => h.Key, StringComparer.Ordinal))
                {
                    if (brokenStreams.Contains(stream)) continue;
                    if (!_lastSeen.TryGetValue(stream, out var seen))
                        Fail(stream, 1, $"stream is at version {head.Version} but none of its events is stored");
                    else if (seen.Version != head.Version || !seen.Hash.AsSpan().SequenceEqual(head.Hash))
                        Fail(stream, Math.Min(seen.Version, head.Version) + 1, $"stream head says version {head.Version} but its events chain to version {seen.Version} (events deleted at the end?)");
                }
            }
            return new IntegrityReport(_lastSeen.Count, _events, _failures);
        }

        private void Fail(string stream, long version, string reason)
        {
            _broken = true;
            if (_failures.Count < maxFailures) _failures.Add(new IntegrityFailure(stream, version, reason));
        }
    }

    /// <summary>The hash an event must carry given the previous hash of its stream.</summary>
    public static byte[] ExpectedHash(ReadOnlySpan<byte> previousHash, StoredEvent e)
    {
        var digest = EventHashing.ContentDigest(e.EventId, e.StreamId, e.Type, e.SchemaVersion, e.Tenant, e.RecordedAt,
            CanonicalJson.ToBytes(e.Data), CanonicalJson.ToBytes(e.Metadata));
        return EventHashing.Chain(previousHash, e.StreamVersion, digest);
    }
}
