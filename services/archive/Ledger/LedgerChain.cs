using Ppid.Platform.EventSourcing;

namespace Ppid.Archive.Ledger;

/// <summary>The arrival check: does an event chain onto its stream's previous ledger entry? Pure.</summary>
public static class LedgerChain
{
    /// <summary>Null when the event's hash is what its content and the previous head give; otherwise why not.</summary>
    public static string? Check(long previousVersion, byte[] previousHash, StoredEvent e)
    {
        if (e.StreamVersion != previousVersion + 1)
            return $"expected version {previousVersion + 1} of the stream, got {e.StreamVersion}";
        var expected = IntegrityVerifier.ExpectedHash(previousHash, e);
        return expected.AsSpan().SequenceEqual(e.Hash)
            ? null
            : "hash does not match the event's content chained onto the previous ledger entry of its stream (altered at the source or in transit)";
    }
}
