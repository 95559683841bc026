using Ppid.Contracts.Archive;
using Ppid.Platform.Http;

namespace Ppid.Archive.Editions;

/// <summary>An archived edition's record state, as the retention decisions need it.</summary>
public sealed record ArchivedRecord(Guid EditionId, int Number, string? RecordClass, string Disposition, DateOnly? RetainUntil, bool LegalHold,
    bool Disposed, string ContentSha256, string PdfSha256);

public sealed record DisposeEdition(string DecisionReference, string ApprovedBy);

/// <summary>Pure decisions on an archived edition's retention: legal holds and disposal.</summary>
public static class RecordDecider
{
    public static Decision Dispose(ArchivedRecord record, DisposeEdition command, DateTimeOffset now)
    {
        if (record.Disposed) return Decision.Refuse("already-disposed", $"Edition {record.Number} was disposed already.");
        if (record.Disposition == "permanent" || record.RetainUntil is null)
            return Decision.Refuse("permanent-record", $"Edition {record.Number} is kept permanently (its JRA disposition is permanent): it can never be disposed.");
        if (record.Disposition != "destroy")
            return Decision.Refuse("not-for-destruction", $"Edition {record.Number}'s JRA disposition is '{record.Disposition}', not destroy: it must be re-appraised first.");
        if (record.LegalHold) return Decision.Refuse("legal-hold", $"Edition {record.Number} is under legal hold: release the hold first.");
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (today <= record.RetainUntil)
            return Decision.Refuse("retention-not-passed", $"Edition {record.Number} must be kept until {record.RetainUntil:yyyy-MM-dd}.");
        return Decision.Accept(new EditionDisposed(record.EditionId, record.Number, command.DecisionReference, command.ApprovedBy,
            record.RecordClass!, record.RetainUntil.Value, record.ContentSha256, record.PdfSha256, now));
    }

    public static Decision Hold(ArchivedRecord record, bool hold, string reason, DateTimeOffset now)
    {
        if (record.Disposed) return Decision.Refuse("already-disposed", $"Edition {record.Number} was disposed: there is nothing left to hold.");
        if (record.LegalHold == hold) return Decision.Accept(); // already so: nothing to record
        return hold
            ? Decision.Accept(new LegalHoldPlaced(record.EditionId, reason, now))
            : Decision.Accept(new LegalHoldReleased(record.EditionId, reason, now));
    }
}
