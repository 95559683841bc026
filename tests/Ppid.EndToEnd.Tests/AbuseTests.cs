using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using System.Text;
using Ppid.Demo;
using Ppid.Testing;

namespace Ppid.EndToEnd.Tests;

/// <summary>
/// Issue 7: keys, scopes, roles and tenants are enforced at the door, and about a thousand
/// malformed or hostile requests across the API get only 4xx answers and change nothing.
/// </summary>
public sealed class AbuseTests(UnthrottledSuite suite) : IClassFixture<UnthrottledSuite>
{
    private const string TenantA = "kota-a";
    private const string TenantB = "kota-b";
    private const string AllScopes = "registry:write,classification:propose,classification:decide,classification:ratify,publication:publish,archive:manage,audit:read";

    private static readonly Actor Sekretariat = new("siti", "sekretariat");
    private static readonly Actor UnitKerja = new("budi", "unit-kerja");
    private static readonly Actor Petugas = new("rina", "petugas");
    private static readonly Actor Ppid = new("agus", "ppid");
    private static readonly Actor Atasan = new("hendra", "atasan-ppid");
    private static readonly Actor Arsiparis = new("arsip", "arsiparis");
    private static readonly Actor Auditor = new("audit", "auditor");

    private static readonly string[] Hostile =
    [
        "'; drop table events; --", "<script>alert(1)</script>", "\" or 1=1 --", "${jndi:ldap://x/a}", "../../etc/passwd",
        "%00", "\u0000", "😀\u202e", new string('A', 70_000),
    ];

    [Fact]
    public async Task The_door_refuses_missing_keys_wrong_scopes_roles_and_other_tenants()
    {
        using var http = suite.Client();
        var a = new PpidApi(http, await suite.CreateKeyAsync(TenantA, "registry:write", "a-registry"));
        var aPropose = new PpidApi(http, await suite.CreateKeyAsync(TenantA, "classification:propose", "a-propose"));
        var b = new PpidApi(http, await suite.CreateKeyAsync(TenantB, AllScopes, "b-all"));
        var (item, etag) = await SeedItemAsync(a);

        (await new PpidApi(http, null).GetAsync("/api/v1/registry/items")).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await new PpidApi(http, "ppid_" + new string('x', 43)).GetAsync("/api/v1/registry/items")).Status.ShouldBe(HttpStatusCode.Unauthorized);
        var wrongScope = await aPropose.SendAsync(HttpMethod.Post, "/api/v1/registry/items", Sop.Item("x", "y", "DINKES", "report", "900.1"), Petugas);
        wrongScope.Status.ShouldBe(HttpStatusCode.Forbidden, wrongScope.ToString());
        wrongScope.ContentType.ShouldBe("application/problem+json");
        var wrongRole = await a.SendAsync(HttpMethod.Post, "/api/v1/registry/items", Sop.Item("x", "y", "DINKES", "report", "900.1"), Ppid);
        wrongRole.Status.ShouldBe(HttpStatusCode.Forbidden, wrongRole.ToString());
        var foreign = await b.GetAsync($"/api/v1/registry/items/{item}", Sekretariat);
        foreign.Status.ShouldBe(HttpStatusCode.NotFound, foreign.ToString());
        var foreignChange = await b.SendAsync(HttpMethod.Patch, $"/api/v1/registry/items/{item}", new JsonObject { ["title"] = "diambil alih" }, UnitKerja, etag);
        foreignChange.Status.ShouldBe(HttpStatusCode.NotFound, foreignChange.ToString());
        (await b.GetAsync($"/api/v1/archive/audit/items/{item}/history", Auditor)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await a.GetAsync($"/api/v1/registry/items/{item}", Sekretariat)).Json.GetProperty("title").GetString().ShouldBe("Laporan Kinerja Instansi Pemerintah 2026");
    }

    [Fact]
    public async Task A_thousand_malformed_requests_get_only_4xx_and_append_nothing()
    {
        using var http = suite.Client();
        http.Timeout = TimeSpan.FromSeconds(60);
        var key = await suite.CreateKeyAsync(TenantA, AllScopes, "a-all");
        var (item, _) = await SeedItemAsync(new PpidApi(http, key));
        var cycle = (await new PpidApi(http, key).ExpectAsync("cycle", HttpMethod.Post, "/api/v1/registry/cycles",
            new JsonObject { ["period"] = "DIP 2027", ["year"] = 2027 }, Sekretariat)).Json.GetProperty("id").GetGuid();
        var before = await EventCountsAsync();

        var requests = Requests(item, cycle).ToList();
        requests.Count.ShouldBeGreaterThanOrEqualTo(1000);
        var failures = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (spec, ct) =>
        {
            using var request = spec.Build(key, suite.Gateway.BaseAddress);
            try
            {
                using var response = await http.SendAsync(request, ct);
                var body = await response.Content.ReadAsByteArrayAsync(ct);
                var status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                var type = response.Content.Headers.ContentType?.MediaType;
                // Checking a kept evidence bundle is a report, not a change: garbage is "not intact", with each problem named.
                var reportsProblems = spec.Path.EndsWith("/evidence/verification", StringComparison.Ordinal) && status == 200
                    && Encoding.UTF8.GetString(body).Contains("\"intact\":false", StringComparison.Ordinal);
                if (reportsProblems) return;
                if (status is < 400 or >= 500)
                    failures.Add($"{spec}: {status} {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(300, body.Length)))}");
                else if (body.Length > 0 && !spec.Website && type != "application/problem+json")
                    failures.Add($"{spec}: {status} with {type}, not problem details");
            }
            catch (HttpRequestException e)
            {
                // The gateway may close the connection on a body over the limit; that is a refusal too, never a 5xx.
                if (!spec.Huge) failures.Add($"{spec}: {e.Message}");
            }
        });
        failures.ShouldBeEmpty($"{failures.Count} of {requests.Count} answers were not a clean 4xx:\n{string.Join("\n", failures.Take(40))}");
        // The refusals came from where each rule lives (the door, the services' validation, deciders, preconditions), not one catch-all.
        var seen = string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}"));
        foreach (var expected in (int[])[400, 401, 403, 404, 405, 409, 413, 415, 428]) statuses.ShouldContainKey(expected, seen);
        (await EventCountsAsync()).ShouldBe(before);
        foreach (var name in Suite.Backends.Append("gateway")) suite.Processes[name].HasExited.ShouldBeFalse($"{name} died");
    }

    private static async Task<(Guid Item, string ETag)> SeedItemAsync(PpidApi api)
    {
        await api.ExpectAsync("unit", HttpMethod.Put, "/api/v1/registry/units/DINKES", new JsonObject { ["name"] = "Dinas Kesehatan" }, Sekretariat);
        await api.ExpectAsync("record class", HttpMethod.Put, "/api/v1/registry/record-classes/900.1",
            new JsonObject { ["name"] = "Keuangan", ["activeYears"] = 2, ["inactiveYears"] = 5, ["disposition"] = "permanent" }, Sekretariat);
        var answer = await api.ExpectAsync("item", HttpMethod.Post, "/api/v1/registry/items",
            Sop.Item("Laporan Kinerja Instansi Pemerintah 2026", "Capaian kinerja tahunan.", "DINKES", "report", "900.1"), UnitKerja);
        return (answer.Json.GetProperty("id").GetGuid(), answer.ETag!);
    }

    private async Task<Dictionary<string, long>> EventCountsAsync()
    {
        var counts = new Dictionary<string, long>();
        foreach (var name in Suite.Backends)
        {
            await using var command = suite.Database(name).DataSource.CreateCommand("select count(*) from events");
            counts[name] = (long)(await command.ExecuteScalarAsync())!;
        }
        return counts;
    }

    private sealed record Spec(HttpMethod Method, string Path, byte[]? Body, string? ContentType, Actor? Actor,
        string? IfMatch = null, string? IdempotencyKey = null, bool WithKey = true)
    {
        public bool Website => Path.StartsWith('/') && !Path.StartsWith("/api/", StringComparison.Ordinal);
        public bool Huge => Body is { Length: > 1_000_000 };

        public HttpRequestMessage Build(string key, Uri gateway)
        {
            // Sent as written: HttpClient would otherwise resolve "..", so the traversal would never reach the gateway.
            var request = new HttpRequestMessage(Method, new Uri(gateway.ToString().TrimEnd('/') + Path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
            if (WithKey) request.Headers.Add("X-Api-Key", key);
            if (Actor is not null)
            {
                request.Headers.Add("X-Actor-Id", Actor.Id);
                request.Headers.Add("X-Actor-Role", Actor.Role);
            }
            if (IfMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", IfMatch);
            if (IdempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", IdempotencyKey);
            if (Body is not null)
            {
                request.Content = new ByteArrayContent(Body);
                if (ContentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
            return request;
        }

        public override string ToString() =>
            $"{Method} {(Path.Length > 120 ? Path[..120] + "…" : Path)} as {Actor?.Role ?? "-"} if-match={IfMatch} idem={IdempotencyKey?.Length} body={(Body is null ? "none" : Body.Length > 120 ? $"{Body.Length} bytes" : Encoding.UTF8.GetString(Body))}";
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>The malformed requests: every write route with every kind of broken body, then queries, paths and headers.</summary>
    private static IEnumerable<Spec> Requests(Guid item, Guid cycle)
    {
        var unknown = Guid.NewGuid();
        // Routes that take a body, with the role that may take the step (so the service, not the door, judges the body).
        // Mutations of the seeded item always carry a stale If-Match, so even a body the service accepted could change nothing.
        var writes = new (HttpMethod Method, string Path, Actor Actor, string? IfMatch)[]
        {
            (HttpMethod.Post, "/api/v1/registry/items", UnitKerja, null),
            (HttpMethod.Put, $"/api/v1/registry/items/{item}", UnitKerja, "\"99\""),
            (HttpMethod.Patch, $"/api/v1/registry/items/{item}", UnitKerja, "\"99\""),
            (HttpMethod.Post, $"/api/v1/registry/items/{item}/withdraw", UnitKerja, "\"99\""),
            (HttpMethod.Post, $"/api/v1/registry/items/{item}/documents", UnitKerja, "\"99\""),
            (HttpMethod.Put, "/api/v1/registry/units/UNIT-1", Sekretariat, null),
            (HttpMethod.Put, "/api/v1/registry/record-classes/000.9", Sekretariat, null),
            (HttpMethod.Post, "/api/v1/registry/cycles", Sekretariat, null),
            (HttpMethod.Post, $"/api/v1/registry/cycles/{cycle}/submissions", UnitKerja, null),
            (HttpMethod.Post, $"/api/v1/registry/cycles/{cycle}/items/{item}/verification", Sekretariat, null),
            (HttpMethod.Post, "/api/v1/registry/imports", Sekretariat, null),
            (HttpMethod.Post, "/api/v1/classification/classifications", Petugas, null),
            (HttpMethod.Post, $"/api/v1/classification/classifications/{unknown}/comments", Ppid, "\"1\""),
            (HttpMethod.Post, $"/api/v1/classification/classifications/{unknown}/revisions", Petugas, "\"1\""),
            (HttpMethod.Post, $"/api/v1/classification/classifications/{unknown}/meeting", Ppid, "\"1\""),
            (HttpMethod.Post, $"/api/v1/classification/classifications/{unknown}/determination", Ppid, "\"1\""),
            (HttpMethod.Post, $"/api/v1/classification/classifications/{unknown}/ratification", Atasan, "\"1\""),
            (HttpMethod.Post, $"/api/v1/classification/classifications/{unknown}/opening", Ppid, "\"1\""),
            (HttpMethod.Post, "/api/v1/publication/editions", Ppid, null),
            (HttpMethod.Put, "/api/v1/archive/retention", Arsiparis, null),
            (HttpMethod.Put, $"/api/v1/archive/editions/{unknown}/legal-hold", Arsiparis, null),
            (HttpMethod.Post, $"/api/v1/archive/editions/{unknown}/disposal", Arsiparis, null),
            (HttpMethod.Post, "/api/v1/archive/audit/evidence/verification", Auditor, null),
        };
        var bodies = new List<(byte[] Body, string? Type)>
        {
            (Utf8("{"), "application/json"),
            (Utf8("{\"title\": "), "application/json"),
            (Utf8("[]"), "application/json"),
            (Utf8("null"), "application/json"),
            (Utf8("42"), "application/json"),
            (Utf8("\"text\""), "application/json"),
            (Utf8("{\"title\":123,\"summary\":[],\"period\":{},\"year\":\"x\",\"itemIds\":\"x\",\"outcome\":7,\"category\":1,\"itemId\":\"not-a-guid\",\"comment\":false,\"effectiveDate\":\"kemarin\",\"name\":[],\"recordClass\":{},\"hold\":\"ya\",\"reason\":9,\"productionDate\":\"2026-13-45\",\"activeYears\":\"dua\"}"), "application/json"),
            (Utf8("{\"year\": 1e400, \"intervalMonths\": 99999999999999999999, \"activeYears\": -1}"), "application/json"),
            ([0x7B, 0x22, 0x74, 0x69, 0x74, 0x6C, 0x65, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0xC3, 0x28, 0x22, 0x7D], "application/json"),
            ([0xFF, 0xFE, 0xFD, 0x00, 0x01], "application/json"),
            (Utf8("title=x&summary=y"), "application/x-www-form-urlencoded"),
            (Utf8("<item><title>x</title></item>"), "application/xml"),
            (Utf8("{\"title\":\"x\"}"), "text/plain"),
            (Utf8("{}"), null),
            (Utf8(new string('[', 5000) + new string(']', 5000)), "application/json"),
        };
        bodies.AddRange(Hostile.Select(h => (Utf8(new JsonObject { ["title"] = h, ["period"] = h, ["comment"] = h, ["itemId"] = h, ["reason"] = h, ["recordClass"] = h }.ToJsonString()), (string?)"application/json")));
        // The same strings where numbers, booleans and dates belong.
        bodies.AddRange(Hostile.Select(h => (Utf8(new JsonObject { ["year"] = h, ["activeYears"] = h, ["intervalMonths"] = h, ["hold"] = h, ["productionDate"] = h, ["effectiveDate"] = h, ["meetingDate"] = h }.ToJsonString()), (string?)"application/json")));
        foreach (var (method, path, actor, ifMatch) in writes)
            foreach (var (body, type) in bodies)
                yield return new Spec(method, path, body, type, actor, ifMatch);

        // Bodies beyond the gateway's 1 MiB limit (declared length), once per service.
        var huge = Utf8("{\"title\":\"" + new string('x', 2 * 1024 * 1024) + "\"}");
        foreach (var (method, path, actor, ifMatch) in writes.Where((_, i) => i % 4 == 0))
            yield return new Spec(method, path, huge, "application/json", actor, ifMatch);

        // An import beyond the registry's 10 MiB (the gateway lets imports through up to 50 MiB).
        yield return new Spec(HttpMethod.Post, "/api/v1/registry/imports", new byte[11 * 1024 * 1024], "text/csv", Sekretariat);

        // A valid item with a bad Idempotency-Key, and valid changes with a bad If-Match: refused before anything is decided.
        var valid = Utf8(Sop.Item("Sah", "Sah.", "DINKES", "report", "900.1").ToJsonString());
        foreach (var idempotencyKey in (string[])[" ", "\t", new string('k', 201), new string('k', 10_000)])
            yield return new Spec(HttpMethod.Post, "/api/v1/registry/items", valid, "application/json", UnitKerja, IdempotencyKey: idempotencyKey);
        var patch = Utf8("{\"title\":\"Judul baru\"}");
        foreach (var ifMatch in (string[])["garbage", "\"abc\"", "\"-1\"", "\"0\"", "W/\"99\"", "\"99\"", "\"1.5\"", "\"1\", \"2\"", "\"" + new string('9', 40) + "\"", "\"1e3\""])
        {
            yield return new Spec(HttpMethod.Patch, $"/api/v1/registry/items/{item}", patch, "application/json", UnitKerja, ifMatch);
            yield return new Spec(HttpMethod.Put, $"/api/v1/registry/items/{item}", valid, "application/json", UnitKerja, ifMatch);
        }
        // PUT and PATCH without If-Match: 428.
        yield return new Spec(HttpMethod.Patch, $"/api/v1/registry/items/{item}", patch, "application/json", UnitKerja);

        // Absurd paging (the gateway's limit on every list) and each list's own typed parameters.
        var limits = new[] { "limit=-1", "limit=0", "limit=1000000000000", "limit=abc", "limit=1e3", "limit=501", "limit=%FF%FE", "limit=" + Uri.EscapeDataString("'; drop table events; --") };
        var paging = new[] { "size=-1", "size=0", "size=abc", "size=1000000000000", "size=1.5", "size=%3Cscript%3E", "after=abc", "after=" + Uri.EscapeDataString("'; drop table events; --"), "status=bogus" };
        var lists = new (string Path, string[] Queries)[]
        {
            ("/api/v1/registry/items", [.. limits, .. paging, "category=rahasia", "q=" + new string('q', 201)]),
            ("/api/v1/registry/cycles", [.. limits, "year=abc", "year=1000000000000", "status=bogus"]),
            ("/api/v1/classification/classifications", [.. limits, .. paging, "itemId=not-a-guid"]),
            ("/api/v1/publication/editions", limits),
            ("/api/v1/archive/editions", limits),
        };
        foreach (var (list, queries) in lists)
            foreach (var query in queries)
                yield return new Spec(HttpMethod.Get, $"{list}?{query}", null, null, Sekretariat);
        foreach (var query in (string[])["at=kemarin", "at=2026-13-45", "at=" + Uri.EscapeDataString("<script>"), "at=99999-01-01"])
            yield return new Spec(HttpMethod.Get, $"/api/v1/archive/audit/dip?{query}", null, null, Auditor);
        foreach (var query in (string[])["month=2026-13", "month=abc", "month=2026-01&format=exe", "format=" + Uri.EscapeDataString("'; drop table events; --")])
            yield return new Spec(HttpMethod.Get, $"/api/v1/archive/reports/availability?{query}", null, null, Auditor);
        yield return new Spec(HttpMethod.Get, $"/api/v1/archive/audit/verification?format=exe", null, null, Auditor);
        yield return new Spec(HttpMethod.Get, $"/api/v1/archive/audit/items/{item}/state?at=kemarin", null, null, Auditor);

        // Path traversal, hostile ids and unknown routes (with and without a key), on the API and the website.
        var paths = new List<string>
        {
            "/api/v1/registry/../gateway/keys", "/api/v1/registry/%2e%2e/gateway/keys", "/api/v1/registry/%2E%2E%2Fgateway%2Fkeys",
            "/api/v1/registry/items/..%2f..%2fetc%2fpasswd", "/api/v1/registry//items", "/api/v1/registry/items%5c..%5c..",
            "/api/v1/registry/nope", "/api/v1/unknown/things", "/api/v2/registry/items", "/api/v1/registry/items/not-a-guid",
            $"/api/v1/registry/items/{unknown}", $"/api/v1/classification/classifications/{unknown}", $"/api/v1/publication/editions/999999",
            "/api/v1/publication/editions/-1", "/api/v1/publication/editions/abc", $"/api/v1/archive/editions/{unknown}",
            $"/api/v1/archive/audit/items/{unknown}/history", $"/api/v1/registry/cycles/{unknown}", "/api/v1/registry/imports/abc",
            $"/api/v1/classification/classifications/{unknown}/decree.html",
            $"/{TenantA}/dip/../../etc/passwd", $"/{TenantA}/dip/%2e%2e/%2e%2e/etc/passwd", $"/{TenantA}/dip/item/not-a-guid",
            $"/{TenantA}/dip/item/{unknown}", $"/{TenantA}/dip/edisi/999", $"/{TenantA}/dip/unduh.exe", "/tidak-ada/dip",
            "/%2e%2e/%2e%2e/etc/passwd", "/.env", "/api/v1/gateway/keys/../../registry/items",
        };
        paths.AddRange(Hostile.Take(6).Select(h => "/api/v1/registry/items/" + Uri.EscapeDataString(h)));
        paths.AddRange(Hostile.Take(6).Select(h => "/api/v1/classification/classifications/" + Uri.EscapeDataString(h) + "/comments"));
        paths.AddRange(Hostile.Take(6).Select(h => $"/{TenantA}/dip/item/" + Uri.EscapeDataString(h)));
        foreach (var path in paths)
        {
            var role = path.Contains("/archive/audit/", StringComparison.Ordinal) ? Auditor : Sekretariat;
            yield return new Spec(HttpMethod.Get, path, null, null, role);
            yield return new Spec(HttpMethod.Get, path, null, null, role, WithKey: false);
            yield return new Spec(HttpMethod.Post, path, Utf8("{}"), "application/json", role);
            yield return new Spec(HttpMethod.Delete, path, null, null, role);
        }
        // Methods the routes do not have, and a hostile actor header.
        yield return new Spec(HttpMethod.Delete, $"/api/v1/registry/items/{item}", null, null, UnitKerja, "\"1\"");
        yield return new Spec(HttpMethod.Put, "/api/v1/publication/editions", Utf8("{}"), "application/json", Ppid);
        yield return new Spec(new HttpMethod("TRACE"), "/api/v1/registry/items", null, null, Sekretariat);
        yield return new Spec(HttpMethod.Post, "/api/v1/registry/items", valid, "application/json", new Actor("x", "'; drop table events; --"));
        yield return new Spec(HttpMethod.Post, "/api/v1/registry/items", valid, "application/json", new Actor("x", "admin"));
        yield return new Spec(HttpMethod.Post, "/api/v1/registry/items", valid, "application/json", new Actor(new string('x', 5000), "system"));
    }
}
