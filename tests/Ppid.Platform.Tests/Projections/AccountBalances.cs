using Npgsql;
using Ppid.Platform.Projections;

namespace Ppid.Platform.Tests.Projections;

/// <summary>Balances per account: one upsert per account per batch, so rebuilds run in bulk.</summary>
public sealed class AccountBalances(string table) : IProjection
{
    public string Name => table;

    public bool Handles(string eventType) => eventType is "test.account-opened.v1" or "test.money-deposited.v1";

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
    {
        var changes = new Dictionary<string, (string? Owner, decimal Amount, int Deposits)>();
        foreach (var e in batch.Events)
        {
            switch (e.Data)
            {
                case AccountOpened o:
                    changes[o.AccountId] = changes.TryGetValue(o.AccountId, out var c) ? (o.Owner, c.Amount, c.Deposits) : (o.Owner, 0, 0);
                    break;
                case MoneyDeposited d:
                    changes[d.AccountId] = changes.TryGetValue(d.AccountId, out var x) ? (x.Owner, x.Amount + d.Amount, x.Deposits + 1) : (null, d.Amount, 1);
                    break;
            }
        }
        await using var cmd = new NpgsqlCommand(
            $"""
            insert into {table} (account_id, owner, balance, deposits)
            select * from unnest($1::text[], $2::text[], $3::numeric[], $4::int[])
            on conflict (account_id) do update set
                owner = coalesce(nullif(excluded.owner, ''), {table}.owner),
                balance = {table}.balance + excluded.balance,
                deposits = {table}.deposits + excluded.deposits
            """, batch.Connection, batch.Transaction);
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = changes.Keys.ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = changes.Values.Select(v => v.Owner ?? "").ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<decimal[]> { TypedValue = changes.Values.Select(v => v.Amount).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = changes.Values.Select(v => v.Deposits).ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"truncate {table}", connection, transaction);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
