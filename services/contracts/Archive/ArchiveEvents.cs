using MassTransit;

namespace Ppid.Contracts.Archive;

// Archive's events that other services consume. The archive's own record keeping (disposal
// decisions, legal holds, ledger breaks) is defined by the archive service in this folder.

/// <summary>
/// An edition is archived, with the root hash over the tenant's ledger at that moment (over all
/// stream heads in order) and the ledger position it covers: publication shows both on the
/// edition's public page, so anyone can later ask the archive to prove the ledger still holds it.
/// </summary>
[MessageUrn("archive.edition-archived.v1"), StreamType("archive.edition")]
public sealed record EditionArchived(Guid EditionId, int Number, string ContentHash, string LedgerRootHash, long LedgerPosition, DateTimeOffset ArchivedAt);
