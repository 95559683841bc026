namespace Ppid.Platform.EventSourcing;

/// <summary>An event row as stored: raw JSON, for forwarding, verification and the ledger.</summary>
public sealed record StoredEvent(
    long GlobalPosition,
    ulong TransactionId,
    Guid EventId,
    string StreamId,
    long StreamVersion,
    string Type,
    int SchemaVersion,
    string Data,
    string Metadata,
    DateTimeOffset RecordedAt,
    string Tenant,
    byte[] Hash)
{
    public GlobalCursor Cursor => new(TransactionId, GlobalPosition);
}

/// <summary>An event with its payload decoded into the current CLR type (upcast if stored older).</summary>
public sealed record RecordedEvent(StoredEvent Stored, object Data, EventMetadata Metadata)
{
    public string StreamId => Stored.StreamId;
    public long StreamVersion => Stored.StreamVersion;
    public DateTimeOffset RecordedAt => Stored.RecordedAt;
    public Guid EventId => Stored.EventId;
    public string Tenant => Stored.Tenant;
}

/// <summary>
/// A position in commit order: the writer's transaction id, then the global position. Events are
/// read strictly after the cursor and only below the oldest running transaction.
/// </summary>
public readonly record struct GlobalCursor(ulong TransactionId, long Position) : IComparable<GlobalCursor>
{
    public static readonly GlobalCursor Start = new(0, 0);

    public int CompareTo(GlobalCursor other) =>
        TransactionId != other.TransactionId ? TransactionId.CompareTo(other.TransactionId) : Position.CompareTo(other.Position);

    public static bool operator <(GlobalCursor a, GlobalCursor b) => a.CompareTo(b) < 0;
    public static bool operator >(GlobalCursor a, GlobalCursor b) => a.CompareTo(b) > 0;
    public static bool operator <=(GlobalCursor a, GlobalCursor b) => a.CompareTo(b) <= 0;
    public static bool operator >=(GlobalCursor a, GlobalCursor b) => a.CompareTo(b) >= 0;
}

/// <summary>
/// A batch of events in commit order. <see cref="HeldBack"/> says that newer events are already
/// committed but wait behind an older transaction that is still running: read again shortly.
/// </summary>
public sealed record GlobalReadResult(IReadOnlyList<StoredEvent> Events, bool HeldBack);

/// <summary>Expected version of a stream on append.</summary>
public readonly record struct ExpectedVersion(long Value)
{
    /// <summary>Append whatever the stream's version.</summary>
    public static readonly ExpectedVersion Any = new(-1);
    /// <summary>The stream must not exist yet.</summary>
    public static readonly ExpectedVersion NoStream = new(0);
    /// <summary>The stream must be exactly at <paramref name="version"/> (1 or more).</summary>
    public static ExpectedVersion Exactly(long version) =>
        version > 0 ? new(version) : throw new ArgumentOutOfRangeException(nameof(version), "An exact expected version is 1 or more; use NoStream for a new stream.");

    public override string ToString() => Value switch { -1 => "any", 0 => "no stream", _ => Value.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}

public sealed record AppendedEvent(Guid EventId, long StreamVersion, long GlobalPosition);

public sealed record AppendResult(string StreamId, long StreamVersion, IReadOnlyList<AppendedEvent> Events);

public sealed record StreamInfo(string Id, string Type, string Tenant, long Version, byte[] LastHash, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, bool Archived);

/// <summary>The stream was not at the expected version: nothing was appended (HTTP 409 at the edge).</summary>
public sealed class ConcurrencyException(string streamId, ExpectedVersion expected, long actualVersion)
    : Exception($"Stream '{streamId}' is at version {actualVersion}, expected {expected}.")
{
    public string StreamId { get; } = streamId;
    public ExpectedVersion Expected { get; } = expected;
    public long ActualVersion { get; } = actualVersion;
}

/// <summary>An append named a stream of another tenant: nothing was appended.</summary>
public sealed class TenantMismatchException(string streamId) : Exception($"Stream '{streamId}' belongs to another tenant.")
{
    public string StreamId { get; } = streamId;
}
