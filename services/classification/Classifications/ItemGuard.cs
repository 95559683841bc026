using Npgsql;
using Ppid.Classification.KnownItems;
using Ppid.Classification.Proposing;
using Ppid.Contracts.Classification;
using Ppid.Platform.Http;

namespace Ppid.Classification.Classifications;

/// <summary>
/// The item may have changed in the registry since the proposal (withdrawn, or revised to a kind
/// Pasal 18 never lets be exempt): determination and ratification check it again.
/// </summary>
public static class ItemGuard
{
    public static Decision? Check(ClassificationState state, KnownItem item)
    {
        if (item.Withdrawn) return Decision.Refuse("item-withdrawn", $"Information item {item.ItemId} was withdrawn meanwhile: it is no longer classified.");
        var p = state.Proposal!;
        if (p.Category == Category.Dikecualikan && Pasal18.Refusal(item.Kind, p.TerminationOfInvestigation) is { } pasal18)
            return Decision.Refuse(ClassificationCommands.Pasal18Code, pasal18);
        return null;
    }

    public static async Task<KnownItem> ItemAsync(NpgsqlDataSource db, string tenant, ClassificationState state, CancellationToken ct) =>
        await KnownItemsQueries.FindAsync(db, tenant, state.ItemId, ct)
        ?? throw new InvalidOperationException($"Classification {state.Id} names item {state.ItemId}, which known_items lacks.");
}
