using Npgsql;
using Ppid.Classification.Classifications;
using Ppid.Contracts.Classification;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;

namespace Ppid.Classification.Decrees;

/// <summary>GET the determination of exempt information as HTML or PDF, once the PPID determined it.</summary>
public static class DecreeEndpoint
{
    public static RouteGroupBuilder MapDecrees(this RouteGroupBuilder group)
    {
        group.MapGet("/classifications/{id:guid}/decree.html", async (Guid id, RequestContext request, EventStore store, NpgsqlDataSource db, CancellationToken ct) =>
        {
            var content = await LoadAsync(id, request, store, db, ct);
            return content.Result ?? TypedResults.Text(content.Decree!.ToHtml(), "text/html", System.Text.Encoding.UTF8);
        });
        group.MapGet("/classifications/{id:guid}/decree.pdf", async (Guid id, RequestContext request, EventStore store, NpgsqlDataSource db, CancellationToken ct) =>
        {
            var content = await LoadAsync(id, request, store, db, ct);
            return content.Result ?? TypedResults.File(content.Decree!.ToPdf(), "application/pdf", $"penetapan-{id}.pdf");
        });
        return group;
    }

    public sealed record Loaded(DecreeContent? Decree, IResult? Result);

    private static async Task<Loaded> LoadAsync(Guid id, RequestContext request, EventStore store, NpgsqlDataSource db, CancellationToken ct)
    {
        var loaded = await store.LoadAsync(request.Tenant, id, ct);
        if (loaded is null) return new Loaded(null, Problems.NotFound($"Classification {id}"));
        var state = loaded.State;
        if (state.Proposal!.Category != Category.Dikecualikan)
            return new Loaded(null, Problems.Refused(new DomainError("not-exempt", $"The item is classified {Wire.Name(state.Proposal.Category)}: only exempt information has a decree of exemption.")));
        if (state.Decree is null)
            return new Loaded(null, Problems.Refused(new DomainError("not-determined", "The PPID has not determined this classification yet: there is no decree.")));
        var item = await KnownItems.KnownItemsQueries.FindAsync(db, request.Tenant, state.ItemId, ct);
        return new Loaded(DecreeContent.From(state, item?.Title ?? state.ItemId.ToString()), null);
    }
}
