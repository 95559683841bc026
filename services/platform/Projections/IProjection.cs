using Npgsql;
using Ppid.Platform.EventSourcing;

namespace Ppid.Platform.Projections;

/// <summary>
/// A read model built from events. The same projection can run inline (in the append's
/// transaction) or asynchronously (in commit order, with a checkpoint in the same transaction as
/// its writes), and can be rebuilt from position zero.
/// </summary>
public interface IProjection
{
    /// <summary>Stable name; also the async checkpoint's name.</summary>
    string Name { get; }

    bool Handles(string eventType);

    /// <summary>Applies a batch of events (all of types it handles) inside the given transaction.</summary>
    Task ApplyAsync(ProjectionBatch batch, CancellationToken ct);

    /// <summary>Empties the read model before a rebuild, inside the given transaction.</summary>
    Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct);
}

public sealed record ProjectionBatch(NpgsqlConnection Connection, NpgsqlTransaction Transaction, IReadOnlyList<RecordedEvent> Events);
