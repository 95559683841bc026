using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Ppid.Gateway.Keys;

/// <summary>The SHA-256 of a presented key: what the store looks keys up by, and what the cache holds instead of the key.</summary>
public readonly record struct KeyHash(ulong A, ulong B, ulong C, ulong D)
{
    /// <summary>Hashes the UTF-8 bytes of <paramref name="presented"/> without allocating for keys of ordinary length.</summary>
    public static KeyHash Of(ReadOnlySpan<char> presented)
    {
        var length = Encoding.UTF8.GetMaxByteCount(presented.Length);
        byte[]? rented = null;
        var bytes = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(presented, bytes);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes[..written], digest);
            var words = MemoryMarshal.Cast<byte, ulong>(digest);
            return new KeyHash(words[0], words[1], words[2], words[3]);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The digest's 32 bytes, as stored in <c>api_keys.key_hash</c>.</summary>
    public byte[] ToBytes()
    {
        ulong[] words = [A, B, C, D];
        return MemoryMarshal.AsBytes(words.AsSpan()).ToArray();
    }
}

/// <summary>
/// Answers of the key store kept in this gateway process for <see cref="Ttl"/>, so that a request
/// with a known key costs no database round trip. Held by <see cref="KeyHash"/>, never the key itself.
/// <list type="bullet">
/// <item>An accepted key is kept until the TTL ends or the key itself expires (the end of a rotation's
/// grace), whichever comes first, so a grace period ends exactly on time.</item>
/// <item>A refused key (unknown, revoked, expired) is kept too: a refusal is final, since a key never
/// becomes valid again and a new key's secret is unknown before it is made. A client hammering with a
/// revoked key then costs no database queries.</item>
/// <item>Bounded: at <see cref="Capacity"/> entries, expired entries and every refusal are dropped; if
/// accepted keys alone fill it, answers are not cached until room frees. Random keys cannot grow memory.</item>
/// <item>Revocation and rotation through this process's store evict the key at once (<see cref="Evict"/>);
/// a lookup that raced with an eviction does not keep what it read. Other gateway instances, and the
/// command-line tool, see a revocation within the TTL (gateway/README.md).</item>
/// </list>
/// </summary>
public sealed class ApiKeyCache(TimeSpan ttl, int capacity)
{
    /// <summary>A cache of nothing: every lookup reaches the database (the command-line tool, or <c>Gateway:KeyCache</c> = 0).</summary>
    public static readonly ApiKeyCache Disabled = new(TimeSpan.Zero, 0);

    private readonly ConcurrentDictionary<KeyHash, Entry> _entries = new();
    private readonly Lock _sweep = new();
    private long _evictions;

    public TimeSpan Ttl { get; } = ttl;
    public int Capacity { get; } = capacity;
    public int Count => _entries.Count;

    private bool Enabled => Ttl > TimeSpan.Zero && Capacity > 0;

    /// <summary>A cached answer: <paramref name="key"/> is the accepted key, or null for a cached refusal.</summary>
    public bool TryGet(KeyHash hash, DateTimeOffset now, out ApiKey? key)
    {
        if (_entries.TryGetValue(hash, out var entry) && now < entry.Until)
        {
            key = entry.Key;
            return true;
        }
        key = null;
        return false;
    }

    /// <summary>Taken before a lookup and handed to <see cref="Add"/>: tells whether an eviction happened meanwhile.</summary>
    public long Generation => Interlocked.Read(ref _evictions);

    /// <summary>Keeps the store's answer for <paramref name="hash"/> (null: refused), read from the database after <paramref name="generation"/>.</summary>
    public void Add(KeyHash hash, ApiKey? key, DateTimeOffset now, long generation)
    {
        if (!Enabled) return;
        var until = now + Ttl;
        if (key?.ExpiresAt is { } expires && expires < until) until = expires;
        if (until <= now || (_entries.Count >= Capacity && !MakeRoom(now))) return;
        _entries[hash] = new Entry(key, until);
        // A revocation committed while the lookup ran may have evicted before this entry was added: drop what may be stale.
        if (Generation != generation) _entries.TryRemove(hash, out _);
    }

    /// <summary>Forgets the key at once (revoked or rotated through this process).</summary>
    public void Evict(Guid keyId)
    {
        Interlocked.Increment(ref _evictions);
        foreach (var (hash, entry) in _entries)
            if (entry.Key?.Id == keyId) _entries.TryRemove(hash, out _);
    }

    private bool MakeRoom(DateTimeOffset now)
    {
        lock (_sweep)
        {
            if (_entries.Count < Capacity) return true;
            foreach (var (hash, entry) in _entries)
                if (entry.Key is null || entry.Until <= now) _entries.TryRemove(hash, out _);
            return _entries.Count < Capacity;
        }
    }

    private sealed record Entry(ApiKey? Key, DateTimeOffset Until);
}
