using Ppid.Platform.EventSourcing;

namespace Ppid.Archive.Ledger;

public sealed record LedgerFailure(string SourceService, string StreamId, long StreamVersion, string Reason);

/// <summary>The verification of a tenant's ledger: what was checked, what failed, and the breaks recorded on arrival.</summary>
public sealed record VerificationReport(
    string Tenant,
    DateTimeOffset VerifiedAt,
    long Streams,
    long Events,
    bool Intact,
    IReadOnlyList<LedgerFailure> Failures,
    IReadOnlyList<LedgerBreak> BreaksOnArrival);

/// <summary>
/// Recomputes every stream's hash chain from the stored ledger rows with the platform's
/// <see cref="IntegrityVerifier.ChainVerifier"/> (one per source service, since stream ids are
/// unique only within a service) and compares the result with the heads recorded on arrival:
/// an edited row, a deleted row (in the middle or at the end), or swapped versions fail. Pure.
/// </summary>
public static class LedgerVerifier
{
    public static VerificationReport Verify(string tenant, DateTimeOffset now, IEnumerable<LedgerEntry> rowsInStreamOrder,
        IEnumerable<LedgerHead>? recordedHeads, IReadOnlyList<LedgerBreak> breaks)
    {
        var failures = new List<LedgerFailure>();
        long streams = 0, events = 0;
        var rowsByService = rowsInStreamOrder.GroupBy(r => r.SourceService, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var headsByService = (recordedHeads ?? []).GroupBy(h => h.SourceService, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToDictionary(h => h.StreamId, h => (h.Version, h.LastHash), StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var service in rowsByService.Keys.Union(headsByService.Keys).Order(StringComparer.Ordinal))
        {
            var chain = new IntegrityVerifier.ChainVerifier(maxFailures: 1000);
            foreach (var row in rowsByService.GetValueOrDefault(service) ?? []) chain.Add(row.ToStored());
            var report = chain.Complete(recordedHeads is null ? null : headsByService.GetValueOrDefault(service) ?? []);
            streams += report.StreamsChecked;
            events += report.EventsChecked;
            failures.AddRange(report.Failures.Select(f => new LedgerFailure(service, f.StreamId, f.Version, f.Reason)));
        }
        return new VerificationReport(tenant, now, streams, events, failures.Count == 0 && breaks.Count == 0, failures, breaks);
    }
}
