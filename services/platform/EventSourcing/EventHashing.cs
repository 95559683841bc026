using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ppid.Platform.EventSourcing;

/// <summary>
/// The integrity chain of a stream. Each event has a content digest and a chained hash:
/// <code>
///   digest = sha256( len-prefixed UTF-8 of: "ppid-event-v1", event id, stream id, type,
///                    schema version, tenant, recorded_at (microseconds since 1970-01-01 UTC),
///                    canonical JSON of data, canonical JSON of metadata )
///   hash(n) = sha256( hash(n-1) || int64 big-endian n || digest(n) ),  hash(0) = empty
/// </code>
/// PostgreSQL computes the chain in <c>ppid_append</c>; anyone holding the stored rows (or the
/// messages on the wire, or an evidence bundle) can recompute both without the suite's code.
/// </summary>
public static class EventHashing
{
    private const string Domain = "ppid-event-v1";

    public static byte[] ContentDigest(Guid eventId, string streamId, string type, int schemaVersion, string tenant,
        DateTimeOffset recordedAt, ReadOnlySpan<byte> canonicalData, ReadOnlySpan<byte> canonicalMetadata)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendField(hash, Domain);
        AppendField(hash, eventId.ToString("D"));
        AppendField(hash, streamId);
        AppendField(hash, type);
        AppendField(hash, schemaVersion.ToString(CultureInfo.InvariantCulture));
        AppendField(hash, tenant);
        AppendField(hash, ToUnixMicroseconds(recordedAt).ToString(CultureInfo.InvariantCulture));
        AppendField(hash, canonicalData);
        AppendField(hash, canonicalMetadata);
        return hash.GetHashAndReset();
    }

    public static byte[] Chain(ReadOnlySpan<byte> previousHash, long version, ReadOnlySpan<byte> digest)
    {
        Span<byte> buffer = stackalloc byte[previousHash.Length + 8 + digest.Length];
        previousHash.CopyTo(buffer);
        BinaryPrimitives.WriteInt64BigEndian(buffer[previousHash.Length..], version);
        digest.CopyTo(buffer[(previousHash.Length + 8)..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>PostgreSQL keeps microseconds; events carry exactly what can be stored.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset instant) =>
        new(instant.UtcTicks - instant.UtcTicks % 10, TimeSpan.Zero);

    public static long ToUnixMicroseconds(DateTimeOffset instant) =>
        (instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private static void AppendField(IncrementalHash hash, string value) => AppendField(hash, Encoding.UTF8.GetBytes(value));

    private static void AppendField(IncrementalHash hash, ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
        hash.AppendData(length);
        hash.AppendData(value);
    }
}
