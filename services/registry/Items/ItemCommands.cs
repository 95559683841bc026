using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;

namespace Ppid.Registry.Items;

/// <summary>What a command on an item answers: the item and its new version (also the ETag).</summary>
public sealed record ItemChanged(Guid Id, long Version);

/// <summary>Load, check the precondition, decide, append: the steps every command on an existing item shares.</summary>
public static class ItemCommands
{
    /// <summary>The item's state, or null when it does not exist for this tenant (another tenant's item is "not found" too).</summary>
    public static async Task<Loaded<InformationItem>?> LoadItemAsync(this EventStore store, string tenant, Guid itemId, CancellationToken ct)
    {
        var loaded = await store.LoadAsync(InformationItem.StreamId(itemId), InformationItem.Initial, InformationItem.Evolve, ct: ct);
        return loaded is null || !string.Equals(loaded.Tenant, tenant, StringComparison.Ordinal) ? null : loaded;
    }

    /// <summary>
    /// Decides on the item as loaded; the append then expects exactly the version decided on, so a
    /// concurrent change makes this one fail with 409 rather than be lost. With <paramref name="ifMatch"/>,
    /// the client's version must be the current one. A decision with no events changes nothing and answers the current version.
    /// </summary>
    public static async Task<CommandOutcome> DecideAsync(EventStore store, RequestContext request, Guid itemId, long? ifMatch,
        Func<InformationItem, Task<(Decision? Decision, IResult? Invalid)>> decide, Func<long, object>? body, CancellationToken ct)
    {
        var loaded = await store.LoadItemAsync(request.Tenant, itemId, ct);
        if (loaded is null) return new Failed(Problems.NotFound($"Information item {itemId}"));
        if (ifMatch is { } expected && expected != loaded.Version)
            throw new ConcurrencyException(InformationItem.StreamId(itemId), ExpectedVersion.Exactly(expected), loaded.Version);
        var (decision, invalid) = await decide(loaded.State);
        if (invalid is not null) return new Failed(invalid);
        if (decision!.Error is { } error) return new Failed(Problems.Refused(error));
        return new Pending(InformationItem.StreamId(itemId), InformationItem.StreamType, ExpectedVersion.Exactly(loaded.Version), loaded.Version, decision.Events, StatusCodes.Status200OK,
            body ?? (version => new ItemChanged(itemId, version)));
    }
}
