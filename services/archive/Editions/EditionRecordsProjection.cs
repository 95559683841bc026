using Npgsql;
using Ppid.Contracts.Archive;
using Ppid.Platform.Projections;

namespace Ppid.Archive.Editions;

/// <summary>
/// The retention state of archived editions (legal hold, disposal) from the archive's own events,
/// inline with their append. Rebuilding resets the state and replays the events; content that a
/// disposal destroyed stays destroyed (the record is rebuilt, not the content).
/// </summary>
public sealed class EditionRecordsProjection : IProjection
{
    public string Name => "archive.edition-records";

    public bool Handles(string eventType) => eventType is "archive.legal-hold-placed.v1" or "archive.legal-hold-released.v1" or "archive.edition-disposed.v1";

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
    {
        foreach (var e in batch.Events)
        {
            await using var cmd = new NpgsqlCommand { Connection = batch.Connection, Transaction = batch.Transaction };
            switch (e.Data)
            {
                case LegalHoldPlaced placed:
                    cmd.CommandText = "update archived_editions set legal_hold = true where edition_id = $1";
                    cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = placed.EditionId });
                    break;
                case LegalHoldReleased released:
                    cmd.CommandText = "update archived_editions set legal_hold = false where edition_id = $1";
                    cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = released.EditionId });
                    break;
                case EditionDisposed disposed:
                    // The content goes; the record, its hashes and the decision stay.
                    cmd.CommandText = """
                        update archived_editions set content = null, pdf = null, legal_hold = false, disposed_at = $2, disposal_decision = $3, disposal_approver = $4, disposed_by = $5
                         where edition_id = $1
                        """;
                    cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = disposed.EditionId });
                    cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = disposed.DisposedAt });
                    cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = disposed.DecisionReference });
                    cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = disposed.ApprovedBy });
                    cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Metadata.ActorId ?? "(unknown)" });
                    break;
                default:
                    continue;
            }
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "update archived_editions set legal_hold = false, disposed_at = null, disposal_decision = null, disposal_approver = null, disposed_by = null",
            connection, transaction);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
