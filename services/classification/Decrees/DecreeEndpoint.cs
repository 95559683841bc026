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
            if (!PdfLicensing.Licensed)
            {
                return TypedResults.Problem(title: "PDF rendering is not licensed", statusCode: StatusCodes.Status503ServiceUnavailable,
                    detail: $"PDFsharp 6.5 needs a license choice: set {PdfLicensing.Setting} to AGPL or to a commercial license key. The HTML decree is available.",
                    type: Problems.TypeBase + "pdf-unlicensed");
            }
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

/// <summary>
/// PDFsharp 6.5 runs only under a license the operator chooses: the AGPL (which then binds the
/// suite) or a commercial key. That is the project owner's decision, so it is configuration
/// (<see cref="Setting"/>), never code; without it the PDF endpoint answers 503 and the HTML decree still works.
/// </summary>
public static class PdfLicensing
{
    public const string Setting = "Classification:Decrees:PdfSharpLicense";

    public static bool Licensed { get; private set; }

    /// <summary>Loads the configured license at start-up; an invalid one stops the service with a clear message.</summary>
    public static void Apply(string? license)
    {
        if (string.IsNullOrWhiteSpace(license)) return;
        if (string.Equals(license.Trim(), "AGPL", StringComparison.OrdinalIgnoreCase)) PdfSharp.PdfSharpLicense.SetAgplLicense();
        else PdfSharp.PdfSharpLicense.LoadLicense(license.Trim());
        Licensed = true;
    }
}
