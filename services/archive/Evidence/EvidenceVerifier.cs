using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Ppid.Archive.Editions;
using Ppid.Archive.Ledger;

namespace Ppid.Archive.Evidence;

/// <summary>What checking a bundle found: each problem names the file or the stream and version.</summary>
public sealed record BundleVerification(bool Intact, int Files, int Events, int Editions, IReadOnlyList<string> Problems);

/// <summary>
/// Checks an evidence bundle with nothing but its own contents (pure): every file against
/// <c>hashes.txt</c>, every stream's hash chain in <c>events.jsonl</c>, each edition's root
/// recomputed from the bundled events up to its position, and each edition file against the
/// hashes in <c>editions.json</c>. The same checks a third party can write from the README.
/// </summary>
public static class EvidenceVerifier
{
    public static BundleVerification Verify(Stream zipStream)
    {
        var problems = new List<string>();
        Dictionary<string, byte[]> files;
        try
        {
            using var zip = new ZipArchive(zipStream, ZipArchiveMode.Read);
            files = zip.Entries.ToDictionary(e => e.FullName, e =>
            {
                using var m = new MemoryStream();
                using (var s = e.Open()) s.CopyTo(m);
                return m.ToArray();
            }, StringComparer.Ordinal);
        }
        catch (InvalidDataException e)
        {
            return new BundleVerification(false, 0, 0, 0, [$"not a zip archive: {e.Message}"]);
        }
        foreach (var required in new[] { "hashes.txt", "events.jsonl", "editions.json" })
            if (!files.ContainsKey(required)) problems.Add($"{required} is missing");
        if (problems.Count > 0) return new BundleVerification(false, files.Count, 0, 0, problems);

        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(files["hashes.txt"]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split("  ", 2);
            if (parts.Length != 2) { problems.Add($"hashes.txt: malformed line '{line}'"); continue; }
            listed.Add(parts[1]);
            if (!files.TryGetValue(parts[1], out var bytes)) problems.Add($"{parts[1]} is listed in hashes.txt but missing");
            else if (EditionArchiver.Sha256Hex(bytes) != parts[0]) problems.Add($"{parts[1]} does not match its SHA-256 in hashes.txt");
        }
        foreach (var name in files.Keys.Where(n => n != "hashes.txt" && !listed.Contains(n))) problems.Add($"{name} is not listed in hashes.txt");

        List<LedgerEntry> events;
        try
        {
            events = [.. Encoding.UTF8.GetString(files["events.jsonl"]).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonSerializer.Deserialize<BundledEvent>(l, EvidenceBundle.Json)!.ToEntry())];
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            problems.Add($"events.jsonl is unreadable: {e.Message}");
            return new BundleVerification(false, files.Count, 0, 0, problems);
        }
        var chains = LedgerVerifier.Verify("", DateTimeOffset.UnixEpoch,
            events.OrderBy(e => e.SourceService, StringComparer.Ordinal).ThenBy(e => e.StreamId, StringComparer.Ordinal).ThenBy(e => e.StreamVersion), null, []);
        problems.AddRange(chains.Failures.Select(f => $"events.jsonl: {f.SourceService} {f.StreamId} v{f.StreamVersion}: {f.Reason}"));

        var editions = JsonSerializer.Deserialize<List<BundledEdition>>(files["editions.json"], EvidenceBundle.Json) ?? [];
        foreach (var edition in editions)
        {
            var root = RootHash.Compute(RootHash.HeadsOf(events.Where(e => e.Sequence <= edition.LedgerSequence)));
            if (root != edition.LedgerRootHash) problems.Add($"edition {edition.Number}: the root over the bundled events up to {edition.LedgerSequence} is {root}, the archived root is {edition.LedgerRootHash}");
            if (edition.Disposed) continue;
            foreach (var (suffix, expected) in new[] { (".json", edition.ContentSha256), (".pdf", edition.PdfSha256) })
            {
                var name = $"editions/edition-{edition.Number}{suffix}";
                if (!files.TryGetValue(name, out var bytes)) problems.Add($"{name} is missing");
                else if (EditionArchiver.Sha256Hex(bytes) != expected) problems.Add($"{name} does not match its archived SHA-256");
            }
        }
        return new BundleVerification(problems.Count == 0, files.Count, events.Count, editions.Count, problems);
    }
}
