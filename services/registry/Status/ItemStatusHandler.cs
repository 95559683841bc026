using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Ppid.Contracts.Classification;
using Ppid.Contracts.Publication;
using Ppid.Platform.Messaging;

namespace Ppid.Registry.Status;

/// <summary>
/// The item's status as classification and publication report it, from their events on RabbitMQ
/// (queue <see cref="Queue"/>): what it is classified as, and where it was published. The inbox
/// applies each event once, in stream order; across streams (a reclassification is a new stream,
/// each edition its own stream) the newer fact wins by its own time or edition number, so late
/// delivery of an older fact never overwrites a newer one. Events of these streams that say
/// nothing about status (the classification workflow's steps) are ignored.
/// </summary>
public sealed class ItemStatusHandler : IEventHandler
{
    public const string Queue = "registry.status";

    public static readonly IReadOnlyList<string> StreamTypes = ["classification.classification", "publication.edition", "publication.entry"];

    public Task HandleAsync(IncomingEvent e, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) => e.Data switch
    {
        ClassificationRatified r => ClassifiedAsync(connection, transaction, e, r.ItemId, Name(r.Category), r.IntervalMonths, r.ClassificationId, r.RatifiedAt, null,
            $"classified as {Name(r.Category)} (decree {r.Decree.Number})", ct),
        ExemptItemOpened o => ClassifiedAsync(connection, transaction, e, o.ItemId, Name(o.OpenedAs), null, o.ClassificationId, o.OpenedAt, Name(o.Reason),
            $"opened as {Name(o.OpenedAs)} ({Name(o.Reason)})", ct),
        EditionPublished p => EditionAsync(connection, transaction, e, p, ct),
        EntryPublished p => SertaMertaAsync(connection, transaction, e, p, ct),
        _ => Task.CompletedTask,
    };

    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    private static async Task ClassifiedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IncomingEvent e, Guid itemId, string category, int? interval,
        Guid classificationId, DateTimeOffset at, string? openedReason, string detail, CancellationToken ct)
    {
        await using (var cmd = new NpgsqlCommand(
            """
            insert into item_status (tenant, item_id, category, interval_months, classification_id, classified_at, opened_reason)
            values ($1, $2, $3, $4, $5, $6, $7)
            on conflict (tenant, item_id) do update set category = excluded.category, interval_months = excluded.interval_months,
                classification_id = excluded.classification_id, classified_at = excluded.classified_at, opened_reason = excluded.opened_reason
             where item_status.classified_at is null or item_status.classified_at <= excluded.classified_at
            """, connection, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Tenant });
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = itemId });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = category });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)interval ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = classificationId });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)openedReason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await HistoryAsync(connection, tx, e, [itemId], detail, at, ct);
    }

    private static async Task EditionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IncomingEvent e, EditionPublished p, CancellationToken ct)
    {
        await using (var latest = new NpgsqlCommand(
            """
            insert into latest_editions (tenant, number, edition_id, published_at) values ($1, $2, $3, $4)
            on conflict (tenant) do update set number = excluded.number, edition_id = excluded.edition_id, published_at = excluded.published_at
             where latest_editions.number <= excluded.number
            """, connection, tx))
        {
            latest.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Tenant });
            latest.Parameters.Add(new NpgsqlParameter<int> { TypedValue = p.Number });
            latest.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = p.EditionId });
            latest.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = p.PublishedAt });
            await latest.ExecuteNonQueryAsync(ct);
        }
        var items = p.Entries.Select(x => (x.ItemId, List: "dip")).Concat(p.Exemptions.Select(x => (x.ItemId, List: "dik"))).ToList();
        if (items.Count == 0) return;
        await using (var cmd = new NpgsqlCommand(
            """
            insert into item_status (tenant, item_id, list, edition_number, edition_id, edition_date, published_at)
            select $1, i, l, $4, $5, $6, $7 from unnest($2::uuid[], $3::text[]) as x(i, l)
            on conflict (tenant, item_id) do update set list = excluded.list, edition_number = excluded.edition_number,
                edition_id = excluded.edition_id, edition_date = excluded.edition_date, published_at = excluded.published_at
             where item_status.edition_number is null or item_status.edition_number <= excluded.edition_number
            """, connection, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Tenant });
            cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. items.Select(x => x.ItemId)] });
            cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. items.Select(x => x.List)] });
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = p.Number });
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = p.EditionId });
            cmd.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = p.EffectiveDate });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = p.PublishedAt });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        var dip = items.Where(x => x.List == "dip").Select(x => x.ItemId).ToArray();
        var dik = items.Where(x => x.List == "dik").Select(x => x.ItemId).ToArray();
        if (dip.Length > 0) await HistoryAsync(connection, tx, e, dip, $"published in edition {p.Number} (DIP)", p.PublishedAt, ct);
        if (dik.Length > 0) await HistoryAsync(connection, tx, e, dik, $"listed as exempt in edition {p.Number} (DIK)", p.PublishedAt, ct);
    }

    private static async Task SertaMertaAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IncomingEvent e, EntryPublished p, CancellationToken ct)
    {
        await using (var cmd = new NpgsqlCommand(
            """
            insert into item_status (tenant, item_id, published_serta_merta_at) values ($1, $2, $3)
            on conflict (tenant, item_id) do update set published_serta_merta_at = excluded.published_serta_merta_at
             where item_status.published_serta_merta_at is null or item_status.published_serta_merta_at <= excluded.published_serta_merta_at
            """, connection, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Tenant });
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = p.Entry.ItemId });
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = p.PublishedAt });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await HistoryAsync(connection, tx, e, [p.Entry.ItemId], "published at once (serta-merta)", p.PublishedAt, ct);
    }

    private static async Task HistoryAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IncomingEvent e, Guid[] itemIds, string detail, DateTimeOffset at,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            insert into item_status_history (tenant, item_id, event_id, event, detail, at)
            select $1, i, $3, $4, $5, $6 from unnest($2::uuid[]) as x(i)
            """, connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Tenant });
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = itemIds });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = e.EventId });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Type });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = detail });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
