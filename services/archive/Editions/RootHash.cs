using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ppid.Archive.Ledger;

namespace Ppid.Archive.Editions;

/// <summary>
/// The root over a tenant's ledger: SHA-256 (hex, lower case) of one line per stream, sorted by
/// (source service, stream id) in ordinal order: <c>service|stream|version|hashhex\n</c>, where
/// version and hash are the stream's head. Anyone with the ledger rows (or an evidence bundle)
/// can recompute it; it changes if any covered event is edited, removed or reordered.
/// </summary>
public static class RootHash
{
    public static string Compute(IEnumerable<LedgerHead> heads) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Lines(heads))));

    /// <summary>The text the root hashes: one line per stream head, in order.</summary>
    public static string Lines(IEnumerable<LedgerHead> heads)
    {
        var text = new StringBuilder();
        foreach (var head in heads.OrderBy(h => h.SourceService, StringComparer.Ordinal).ThenBy(h => h.StreamId, StringComparer.Ordinal))
            text.Append(CultureInfo.InvariantCulture, $"{head.SourceService}|{head.StreamId}|{head.Version}|{Convert.ToHexStringLower(head.LastHash)}\n");
        return text.ToString();
    }

    /// <summary>Each stream's head among the given rows (its highest version).</summary>
    public static IReadOnlyList<LedgerHead> HeadsOf(IEnumerable<LedgerEntry> rows) =>
        [.. rows.GroupBy(r => (r.SourceService, r.StreamId))
            .Select(g => g.MaxBy(r => r.StreamVersion)!)
            .Select(r => new LedgerHead(r.SourceService, r.StreamId, r.StreamVersion, r.Hash))];
}
