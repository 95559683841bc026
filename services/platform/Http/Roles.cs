namespace Ppid.Platform.Http;

/// <summary>
/// The roles an actor acts in (the <c>X-Actor-Role</c> header), from the SOPs. Services check a
/// step's role against these; the gateway lets an API key assert a role only when its scopes allow
/// it (<see cref="ForScope"/>).
/// </summary>
public static class Roles
{
    /// <summary>Petugas: the officer who collects, classifies and records (proposes classifications).</summary>
    public const string Petugas = "petugas";

    /// <summary>A work unit (unit kerja / OPD) that submits its items into an update cycle.</summary>
    public const string UnitKerja = "unit-kerja";

    /// <summary>The secretariat that receives and verifies submissions.</summary>
    public const string Sekretariat = "sekretariat";

    /// <summary>The PPID: consultation, coordination meeting, determination, publishing.</summary>
    public const string Ppid = "ppid";

    /// <summary>Tim Pelayanan Informasi: the information service team the PPID consults.</summary>
    public const string TimPelayanan = "tim-pelayanan";

    /// <summary>Atasan PPID: ratifies classifications and the DIP.</summary>
    public const string AtasanPpid = "atasan-ppid";

    /// <summary>Bidang Pendokumentasian &amp; Arsip: the archive division (retention, disposal).</summary>
    public const string Arsiparis = "arsiparis";

    /// <summary>An auditor (inspectorate, Information Commission in a dispute): reads the ledger.</summary>
    public const string Auditor = "auditor";

    /// <summary>Work the suite does itself (schedulers, consumers).</summary>
    public const string System = "system";

    public static readonly IReadOnlyList<string> All = [Petugas, UnitKerja, Sekretariat, Ppid, TimPelayanan, AtasanPpid, Arsiparis, Auditor];

    /// <summary>The roles an API key with <paramref name="scope"/> may assert; an <c>admin</c> key may assert any.</summary>
    public static IReadOnlyList<string> ForScope(string scope) => scope switch
    {
        "registry:write" => [Petugas, UnitKerja, Sekretariat],
        "classification:propose" => [Petugas],
        "classification:decide" => [Ppid, TimPelayanan],
        "classification:ratify" => [AtasanPpid],
        "publication:publish" => [Ppid],
        "archive:manage" => [Arsiparis],
        "audit:read" => [Auditor],
        "admin" => All,
        _ => [],
    };
}
