using Ppid.Contracts.Registry;

namespace Ppid.Registry.Items;

public enum ItemStatus
{
    None,
    Active,
    Withdrawn,
}

/// <summary>The DIP fields a–g of an item that a revision can change (documents have their own commands).</summary>
public sealed record ItemDetails(
    string Title,
    string Summary,
    string HoldingUnit,
    string ResponsibleOfficial,
    DateOnly ProductionDate,
    string ProductionPlace,
    IReadOnlyList<AvailableForm> Forms,
    string RecordClass,
    DocumentKind Kind,
    string Language,
    IReadOnlyList<string> Tags);

/// <summary>An information item as its stream says; also the detail document of the read model.</summary>
public sealed record InformationItem(
    Guid Id,
    ItemStatus Status,
    ItemDetails? Details,
    IReadOnlyList<DocumentReference> Documents,
    string? WithdrawalReason,
    DateTimeOffset RegisteredAt,
    DateTimeOffset UpdatedAt)
{
    public const string StreamType = "registry.item";

    public static readonly InformationItem Initial = new(Guid.Empty, ItemStatus.None, null, [], null, default, default);

    public static string StreamId(Guid itemId) => $"item-{itemId}";

    public bool Exists => Status != ItemStatus.None;

    public static InformationItem Evolve(InformationItem state, object @event) => @event switch
    {
        InformationItemRegistered e => state with
        {
            Id = e.ItemId,
            Status = ItemStatus.Active,
            Details = new ItemDetails(e.Title, e.Summary, e.HoldingUnit, e.ResponsibleOfficial, e.ProductionDate, e.ProductionPlace,
                e.Forms, e.RecordClass, e.Kind, e.Language, e.Tags),
            Documents = e.Documents,
            RegisteredAt = e.RegisteredAt,
            UpdatedAt = e.RegisteredAt,
        },
        InformationItemRevised e when state.Details is { } d => state with
        {
            Details = d with
            {
                Title = e.Title ?? d.Title,
                Summary = e.Summary ?? d.Summary,
                HoldingUnit = e.HoldingUnit ?? d.HoldingUnit,
                ResponsibleOfficial = e.ResponsibleOfficial ?? d.ResponsibleOfficial,
                ProductionDate = e.ProductionDate ?? d.ProductionDate,
                ProductionPlace = e.ProductionPlace ?? d.ProductionPlace,
                Forms = e.Forms ?? d.Forms,
                RecordClass = e.RecordClass ?? d.RecordClass,
                Kind = e.Kind ?? d.Kind,
                Language = e.Language ?? d.Language,
                Tags = e.Tags ?? d.Tags,
            },
            UpdatedAt = e.RevisedAt,
        },
        DocumentAttached e => state with { Documents = [.. state.Documents, e.Document], UpdatedAt = e.AttachedAt },
        DocumentDetached e => state with { Documents = [.. state.Documents.Where(x => x.DocumentId != e.DocumentId)], UpdatedAt = e.DetachedAt },
        InformationItemWithdrawn e => state with { Status = ItemStatus.Withdrawn, WithdrawalReason = e.Reason, UpdatedAt = e.WithdrawnAt },
        InformationItemReinstated e => state with { Status = ItemStatus.Active, WithdrawalReason = null, UpdatedAt = e.ReinstatedAt },
        _ => throw new InvalidOperationException($"An information item does not handle {@event.GetType().Name}."),
    };
}
