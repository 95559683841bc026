using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Ppid.Contracts.Classification;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Projections;

namespace Ppid.Classification.Classifications;

/// <summary>
/// The <c>classifications</c> read model, updated in the append's transaction so an answer and the
/// next read agree. Each event is folded with <see cref="ClassificationState.Evolve"/> onto the row's
/// state. A ratified reclassification marks the classification it supersedes as superseded: the
/// superseded stream itself is not touched (its history stays what happened to it).
/// </summary>
public sealed class ClassificationsProjection(EventTypes types) : IProjection
{
    public const string Superseded = "superseded";
    public const string OneInProgressIndex = "classifications_one_in_progress";

    private readonly HashSet<string> _handled = types.OfStreamType(ClassificationState.StreamType).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

    public string Name => "classification.classifications";

    public bool Handles(string eventType) => _handled.Contains(eventType);

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
    {
        foreach (var e in batch.Events)
        {
            var id = ClassificationId(e.Data);
            var state = ClassificationState.Initial;
            string? status = null;
            if (e.Data is not ClassificationProposed)
            {
                await using var read = new NpgsqlCommand("select state::text, status from classifications where classification_id = $1 for update", batch.Connection, batch.Transaction);
                read.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
                await using (var reader = await read.ExecuteReaderAsync(ct))
                {
                    if (!await reader.ReadAsync(ct))
                        throw new InvalidOperationException($"The classifications read model has no row for {id} at version {e.StreamVersion}: rebuild it.");
                    state = JsonSerializer.Deserialize<ClassificationState>(reader.GetString(0), EventJson.Options)!;
                    status = reader.GetString(1);
                }
            }
            state = ClassificationState.Evolve(state, e.Data);
            // A superseded classification stays superseded whatever later happens on its stream.
            var newStatus = status == Superseded ? Superseded : Wire.Name(state.Status);
            var proposal = state.Proposal!;
            await using (var write = new NpgsqlCommand(
                """
                insert into classifications (classification_id, tenant, item_id, status, category, supersedes, exempt_until, opening_due, version, updated_at, state)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)
                on conflict (classification_id) do update set status = excluded.status, category = excluded.category, exempt_until = excluded.exempt_until,
                    opening_due = excluded.opening_due, version = excluded.version, updated_at = excluded.updated_at, state = excluded.state
                """, batch.Connection, batch.Transaction))
            {
                write.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
                write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Stored.Tenant });
                write.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = state.ItemId });
                write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = newStatus });
                write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Wire.Name(proposal.Category) });
                write.Parameters.Add(new NpgsqlParameter { Value = (object?)state.Supersedes ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
                write.Parameters.Add(new NpgsqlParameter { Value = (object?)proposal.ConsequenceTest?.ExemptUntil ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
                write.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = state.OpeningDecisionDueFrom is not null });
                write.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
                write.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = state.UpdatedAt });
                write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(state, EventJson.Options) });
                await write.ExecuteNonQueryAsync(ct);
            }

            if (e.Data is ClassificationRatified { Supersedes: { } earlier })
            {
                await using var supersede = new NpgsqlCommand(
                    "update classifications set status = $1, superseded_by = $2 where classification_id = $3 and tenant = $4", batch.Connection, batch.Transaction);
                supersede.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Superseded });
                supersede.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
                supersede.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = earlier });
                supersede.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Stored.Tenant });
                await supersede.ExecuteNonQueryAsync(ct);
            }
        }
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("delete from classifications", connection, transaction);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static Guid ClassificationId(object data) => data switch
    {
        ClassificationProposed x => x.ClassificationId,
        ProposalCommented x => x.ClassificationId,
        ProposalRevised x => x.ClassificationId,
        CoordinationMeetingRecorded x => x.ClassificationId,
        ClassificationDetermined x => x.ClassificationId,
        ClassificationRatified x => x.ClassificationId,
        OpeningDecisionDue x => x.ClassificationId,
        ExemptItemOpened x => x.ClassificationId,
        _ => throw new InvalidOperationException($"The classifications projection does not handle {data.GetType().Name}."),
    };
}

/// <summary>Enum values as they travel on the wire and in read models (kebab-case: serta-merta, in-consultation).</summary>
public static class Wire
{
    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(Name(candidate), text?.Trim(), StringComparison.Ordinal)) { value = candidate; return true; }
        }
        value = default;
        return false;
    }

    public static string Names<T>() where T : struct, Enum => string.Join(", ", Enum.GetValues<T>().Select(v => Name(v)));
}
