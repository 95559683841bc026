using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Ppid.Demo;

namespace Ppid.Testing.Load;

/// <summary>How much SOP the load driver walks, for how many tenants, how fast.</summary>
public sealed record SopLoadOptions
{
    public int Tenants { get; init; } = 1;

    /// <summary>Items each tenant takes through the whole SOP.</summary>
    public int ItemsPerTenant { get; init; } = 20;

    /// <summary>Items per DIP update cycle (one cycle, one submission, one edition per round).</summary>
    public int ItemsPerRound { get; init; } = 10;

    /// <summary>Commands sent per second across all tenants (retries included); 0 = as fast as answered.</summary>
    public double CommandsPerSecond { get; init; } = 50;

    /// <summary>How long one command may keep failing (5xx, 429, no answer) and be retried with its Idempotency-Key before the driver gives up on it.</summary>
    public TimeSpan CommandPatience { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How long a ratified item may take to show on the public page or in the archive before it counts as not seen.</summary>
    public TimeSpan VisibilityPatience { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Tenant names are <c>{prefix}-{n}</c>.</summary>
    public string TenantPrefix { get; init; } = "kota-beban";
}

/// <summary>One tenant's API key (every SOP scope, so one key serves every role) and what the driver did in it.</summary>
public sealed class LoadTenant(string name, string key)
{
    public string Name { get; } = name;
    public string Key { get; } = key;
    public ConcurrentBag<Guid> Items { get; } = [];
    public ConcurrentBag<Guid> SertaMertaItems { get; } = [];
    public ConcurrentDictionary<string, int> AcceptedByEventType { get; } = new(StringComparer.Ordinal);
    public ConcurrentBag<int> Editions { get; } = [];
}

/// <summary>A command answered with 5xx or 429, or not answered at all, before it was retried.</summary>
public sealed record Refusal(DateTimeOffset At, string Command, int? Status, string? ProblemType, bool IsProblemDetails, string Detail);

/// <summary>
/// Drives the whole SOP through the gateway (issue 9's load driver): per tenant, rounds of a DIP
/// update cycle — register items, open a cycle, submit, verify, close — then each item's
/// classification (proposal with a consequence test for exempt items, two consultations, meeting,
/// determination, ratification) and an edition once publication's draft holds the round. Items
/// rotate through serta-merta, berkala, setiap saat and dikecualikan.
/// <para>
/// Commands go out at <see cref="SopLoadOptions.CommandsPerSecond"/> across all tenants. A command
/// answered with 5xx or 429, or not answered, is retried with the same Idempotency-Key until
/// accepted: a command once started is always finished, so every effect the services hold is one the
/// driver counts as accepted (see <see cref="SopReconciliation"/>). Any other 4xx ends that item's
/// workflow and is reported as unexpected.
/// </para>
/// <para>
/// Measured: each accepted command's latency (the attempt that succeeded); for serta-merta items the
/// time from the ratification's answer to the item's public page answering 200 (polled every 10 ms)
/// and to the archive's item history showing its publication (polled every 50 ms; the polling costs
/// the machine CPU, so <see cref="SopTimings"/> also times both from the services' own records); for the other
/// items the time from ratification to the edition that lists them (this includes waiting for the
/// rest of the round), and from publishing an edition to the archive's record of it.
/// </para>
/// </summary>
public sealed class SopLoad
{
    public const string AllScopes = "registry:write,classification:propose,classification:decide,classification:ratify,publication:publish,audit:read";
    public const string Unit = "DINKES";
    public const string RecordClass = "900.1";

    private static readonly Actor UnitOfficer = new("budi.dinkes", "unit-kerja");
    private static readonly Actor Secretariat = new("siti.sekretariat", "sekretariat");
    private static readonly Actor Petugas = new("rina.petugas", "petugas");
    private static readonly Actor PpidOfficer = new("agus.ppid", "ppid");
    private static readonly Actor Tim = new("dewi.tim", "tim-pelayanan");
    private static readonly Actor Atasan = new("hendra.atasan", "atasan-ppid");
    private static readonly Actor Auditor = new("inspektorat.auditor", "auditor");
    /// <summary>The problem type of a 503 whose command may have been applied: the database lost the COMMIT's answer and could not be asked (Commits.CommitAsync).</summary>
    public const string OutcomeUnknown = "https://ppid.example/problems/outcome-unknown";
    private static readonly string[] Categories = ["serta-merta", "berkala", "setiap-saat", "dikecualikan"];

    private readonly HttpClient _http;
    private readonly SopLoadOptions _options;
    private readonly Pacer _pacer;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, ConcurrentBag<double>> _latency = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<double> _toPublic = [];
    private readonly ConcurrentBag<double> _toArchived = [];
    private readonly ConcurrentBag<double> _toEdition = [];
    private readonly ConcurrentBag<double> _editionToArchived = [];
    private readonly ConcurrentBag<Task> _watchers = [];
    private readonly ConcurrentBag<string> _notSeen = [];
    private readonly ConcurrentBag<PublicSighting> _sightings = [];
    private long _accepted;
    private long _attempts;

    /// <param name="clock">Paces the commands and times every figure (the system's by default, whose UTC time is the
    /// services' clock too: <see cref="PublicSighting"/> times are compared with their records).</param>
    public SopLoad(HttpClient gateway, IReadOnlyList<LoadTenant> tenants, SopLoadOptions options, TimeProvider? clock = null)
    {
        _http = gateway;
        Tenants = tenants;
        _options = options;
        _clock = clock ?? TimeProvider.System;
        _pacer = new Pacer(options.CommandsPerSecond, _clock);
    }

    public IReadOnlyList<LoadTenant> Tenants { get; }
    public ConcurrentQueue<Refusal> Refusals { get; } = new();
    public ConcurrentBag<string> Unexpected { get; } = [];

    /// <summary>Commands answered with a clear refusal (503 other than outcome-unknown, 429) whose retry was answered as already applied: a refusal must change nothing.</summary>
    public ConcurrentBag<string> RefusedButApplied { get; } = [];

    /// <summary>Commands accepted so far (a fault scenario waits on this to know the load is flowing).</summary>
    public long AcceptedCommands => Interlocked.Read(ref _accepted);

    /// <summary>
    /// Makes <paramref name="count"/> tenants ready for the load: one key each with every SOP scope
    /// (made by <paramref name="createKey"/>, e.g. <see cref="Suite.CreateKeyAsync"/>), the unit and
    /// the record class the items use.
    /// </summary>
    public static async Task<IReadOnlyList<LoadTenant>> PrepareTenantsAsync(HttpClient gateway, SopLoadOptions options,
        Func<string, Task<string>> createKey, int parallelism = 4)
    {
        var tenants = new LoadTenant[options.Tenants];
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Tenants), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, ct) =>
        {
            var name = $"{options.TenantPrefix}-{i + 1}";
            var tenant = new LoadTenant(name, await createKey(name));
            var api = new PpidApi(gateway, tenant.Key);
            await api.ExpectAsync("unit", HttpMethod.Put, $"/api/v1/registry/units/{Unit}", new JsonObject { ["name"] = "Dinas Kesehatan" }, Secretariat, ct: ct);
            await api.ExpectAsync("record class", HttpMethod.Put, $"/api/v1/registry/record-classes/{RecordClass}",
                new JsonObject { ["name"] = "Keuangan", ["activeYears"] = 2, ["inactiveYears"] = 5, ["disposition"] = "permanent" }, Secretariat, ct: ct);
            tenants[i] = tenant;
        });
        return tenants;
    }

    /// <summary>Runs every tenant's rounds to the end (or until <paramref name="ct"/>), then waits for the visibility watchers.</summary>
    public async Task<SopLoadResult> RunAsync(CancellationToken ct = default)
    {
        var started = _clock.GetTimestamp();
        await Task.WhenAll(Tenants.Select(t => Task.Run(() => RunTenantAsync(t, ct), ct)));
        var commandsTook = _clock.GetElapsedTime(started);
        await Task.WhenAll(_watchers);
        return new SopLoadResult(
            _options, commandsTook, _clock.GetElapsedTime(started), AcceptedCommands, Interlocked.Read(ref _attempts),
            _latency.ToDictionary(kv => kv.Key, kv => new Distribution(kv.Value), StringComparer.Ordinal),
            new Distribution(_latency.Values.SelectMany(v => v)),
            new Distribution(_toPublic), new Distribution(_toArchived), new Distribution(_toEdition), new Distribution(_editionToArchived),
            [.. Refusals], [.. RefusedButApplied], [.. Unexpected], [.. _notSeen], [.. _sightings]);
    }

    private async Task RunTenantAsync(LoadTenant tenant, CancellationToken ct)
    {
        var api = new PpidApi(_http, tenant.Key);
        var done = 0;
        for (var round = 1; done < _options.ItemsPerTenant && !ct.IsCancellationRequested; round++)
        {
            var size = Math.Min(_options.ItemsPerRound, _options.ItemsPerTenant - done);
            try
            {
                await RunRoundAsync(tenant, api, round, done, size, ct);
            }
            catch (Exception e) when (e is UnexpectedAnswerException or TimeoutException or CommandGaveUpException)
            {
                Unexpected.Add($"{tenant.Name} round {round}: {e.Message}");
                return;
            }
            done += size;
        }
    }

    private async Task RunRoundAsync(LoadTenant tenant, PpidApi api, int round, int first, int size, CancellationToken ct)
    {
        var tag = $"{tenant.Name} r{round}";
        var cycle = (await CommandAsync(tenant, api, "open cycle", "registry.cycle-opened.v1", HttpMethod.Post, "/api/v1/registry/cycles",
            new JsonObject { ["period"] = $"Pemutakhiran DIP putaran {round}", ["year"] = 2027 }, Secretariat, null, ct)).Json.GetProperty("id").GetGuid();

        var categories = Enumerable.Range(first, size).Select(i => Categories[i % Categories.Length]).ToArray();
        var items = await Task.WhenAll(categories.Select((category, i) => RegisterAsync(tenant, api, $"{tag} #{first + i + 1}", category, ct)));

        await CommandAsync(tenant, api, "submit", "registry.items-submitted.v1", HttpMethod.Post, $"/api/v1/registry/cycles/{cycle}/submissions",
            new JsonObject { ["unit"] = Unit, ["itemIds"] = new JsonArray([.. items.Select(i => (JsonNode)i.ToString())]) }, UnitOfficer, null, ct);
        await Task.WhenAll(items.Select(item => CommandAsync(tenant, api, "verify", "registry.submitted-item-accepted.v1", HttpMethod.Post,
            $"/api/v1/registry/cycles/{cycle}/items/{item}/verification", new JsonObject { ["outcome"] = "accepted" }, Secretariat, null, ct)));
        await CommandAsync(tenant, api, "close cycle", "registry.collection-closed.v1", HttpMethod.Post, $"/api/v1/registry/cycles/{cycle}/close",
            new JsonObject(), Secretariat, null, ct);

        var ratifiedAt = await Task.WhenAll(items.Select((item, i) => ClassifyAsync(tenant, api, item, categories[i], $"{tag} #{first + i + 1}", ct)));

        // The edition: once publication's draft holds every item of the round (each arrives by RabbitMQ).
        var deadline = _clock.GetTimestamp() + (long)(_options.VisibilityPatience.TotalSeconds * _clock.TimestampFrequency);
        while (true)
        {
            var draft = await api.GetAsync("/api/v1/publication/draft", PpidOfficer, ct);
            if (draft.Status == HttpStatusCode.OK)
            {
                var listed = draft.Json.GetProperty("entries").EnumerateArray().Concat(draft.Json.GetProperty("exemptions").EnumerateArray())
                    .Select(e => e.GetProperty("itemId").GetGuid()).ToHashSet();
                if (items.All(listed.Contains)) break;
            }
            if (_clock.GetTimestamp() > deadline) throw new TimeoutException($"{tag}: publication's draft did not hold the round within {_options.VisibilityPatience}; last {draft}");
            await Task.Delay(TimeSpan.FromMilliseconds(20), _clock, ct);
        }
        var edition = await CommandAsync(tenant, api, "publish edition", "publication.edition-published.v1", HttpMethod.Post, "/api/v1/publication/editions",
            new JsonObject(), PpidOfficer, null, ct);
        var published = _clock.GetTimestamp();
        var number = edition.Json.GetProperty("number").GetInt32();
        tenant.Editions.Add(number);
        foreach (var (at, i) in ratifiedAt.Select((at, i) => (at, i)).Where(x => categories[x.i] != "serta-merta"))
            _toEdition.Add(_clock.GetElapsedTime(at, published).TotalMilliseconds);
        Watch($"{tag} edition {number} archived", published, _editionToArchived, 20,
            async () => (await api.GetAsync("/api/v1/archive/editions", Auditor, ct)) is { Status: HttpStatusCode.OK } a
                        && a.Json.EnumerateArray().Any(e => e.GetProperty("number").GetInt32() == number), ct);
    }

    private async Task<Guid> RegisterAsync(LoadTenant tenant, PpidApi api, string name, string category, CancellationToken ct)
    {
        var item = Sop.Item($"Informasi uji beban {name}", $"Informasi {category} yang didaftarkan oleh uji beban.", Unit, "report", RecordClass);
        var answer = await CommandAsync(tenant, api, "register", "registry.item-registered.v1", HttpMethod.Post, "/api/v1/registry/items", item, UnitOfficer, null, ct);
        var id = answer.Json.GetProperty("id").GetGuid();
        tenant.Items.Add(id);
        if (category == "serta-merta") tenant.SertaMertaItems.Add(id);
        return id;
    }

    /// <summary>Proposal to ratification; answers when the ratification was answered (a timestamp of the load's clock).</summary>
    private async Task<long> ClassifyAsync(LoadTenant tenant, PpidApi api, Guid item, string category, string name, CancellationToken ct)
    {
        const string classifications = "/api/v1/classification/classifications";
        var proposal = Proposal(item, category, name);
        // Classification hears of the item from the registry by RabbitMQ: until then the proposal is a 404, asked again.
        var proposed = await CommandAsync(tenant, api, "propose", "classification.classification-proposed.v1", HttpMethod.Post, classifications,
            proposal, Petugas, null, ct, retryWhile: a => a.Status == HttpStatusCode.NotFound);
        var id = proposed.Json.GetProperty("id").GetGuid();
        var etag = proposed.ETag!;
        async Task Step(string command, string eventType, string step, JsonObject body, Actor actor) =>
            etag = (await CommandAsync(tenant, api, command, eventType, HttpMethod.Post, $"{classifications}/{id}/{step}", body, actor, etag, ct)).ETag!;
        await Step("comment", "classification.proposal-commented.v1", "comments", new JsonObject { ["comment"] = "Sesuai SOP.", ["requiresCorrection"] = false }, PpidOfficer);
        await Step("comment", "classification.proposal-commented.v1", "comments", new JsonObject { ["comment"] = "Setuju.", ["requiresCorrection"] = false }, Tim);
        await Step("meeting", "classification.coordination-meeting-recorded.v1", "meeting", Sop.Meeting(), PpidOfficer);
        await Step("determine", "classification.classification-determined.v1", "determination", Sop.Determination($"188.4/{name}/PPID"), PpidOfficer);
        await Step("ratify", "classification.classification-ratified.v1", "ratification", new JsonObject(), Atasan);
        var ratified = _clock.GetTimestamp();
        var ratifiedAt = _clock.GetUtcNow();

        if (category == "serta-merta")
        {
            tenant.AcceptedByEventType.AddOrUpdate("publication.entry-published.v1", 1, (_, n) => n + 1);
            var publicSite = new PpidApi(_http, key: null);
            Watch($"{name} on the public page", ratified, _toPublic, 10,
                async () => (await publicSite.GetAsync($"/{tenant.Name}/dip/item/{item}", ct: ct)).Status == HttpStatusCode.OK, ct,
                (polls, askedAt) => _sightings.Add(new PublicSighting(item, ratifiedAt, polls, askedAt, _clock.GetUtcNow())));
            Watch($"{name} archived", ratified, _toArchived, 50,
                async () => (await api.GetAsync($"/api/v1/archive/audit/items/{item}/history", Auditor, ct)) is { Status: HttpStatusCode.OK } a
                            && a.Body.Contains("publication.entry-published", StringComparison.Ordinal), ct);
        }
        return ratified;
    }

    private static JsonObject Proposal(Guid item, string category, string name) => category switch
    {
        "berkala" => new JsonObject { ["itemId"] = item, ["category"] = category, ["intervalMonths"] = 6, ["rationale"] = "Laporan berkala (Pasal 9)." },
        "dikecualikan" => new JsonObject
        {
            ["itemId"] = item,
            ["category"] = category,
            ["rationale"] = "Uji konsekuensi: membuka informasi ini membahayakan pelapor.",
            ["consequenceTest"] = new JsonObject
            {
                ["exemptPart"] = "Identitas pelapor dan saksi.",
                ["wholeDocument"] = false,
                ["pasal17Letter"] = "a",
                ["pasal17SubPoint"] = "2",
                ["legalBasis"] = "Pasal 17 huruf a angka 2 UU 14/2008",
                ["consequenceIfOpened"] = "Membahayakan keselamatan pelapor.",
                ["consequenceIfClosed"] = "Temuan pokok tetap dibuka.",
                ["publicInterestBalance"] = "Perlindungan pelapor lebih besar daripada kepentingan membuka identitasnya.",
                ["publicSummary"] = $"Identitas pelapor dalam laporan {name}.",
                ["exemptUntil"] = "2030-12-31",
                ["redactionNotes"] = "Nama pelapor dihitamkan.",
            },
        },
        _ => new JsonObject { ["itemId"] = item, ["category"] = category, ["rationale"] = $"Kategori {category} menurut SOP." },
    };

    /// <summary>
    /// Sends one command, paced, with a fresh Idempotency-Key kept across retries. Retries on 5xx, 429
    /// and no answer (each recorded as a <see cref="Refusal"/>) and while <paramref name="retryWhile"/>
    /// holds (an effect of another service not arrived yet: not a refusal); any other non-2xx ends the item.
    /// </summary>
    private async Task<ApiAnswer> CommandAsync(LoadTenant tenant, PpidApi api, string command, string eventType, HttpMethod method, string path,
        JsonNode body, Actor actor, string? ifMatch, CancellationToken ct, Func<ApiAnswer, bool>? retryWhile = null)
    {
        var key = Guid.NewGuid().ToString("N");
        // Whether an attempt may have been applied without its answer reaching us (no answer, 502, 504):
        // only then may the accepted answer be a replay of the stored one.
        var outcomeUnknown = false;
        var refused = false;
        var giveUp = _clock.GetTimestamp() + (long)(_options.CommandPatience.TotalSeconds * _clock.TimestampFrequency);
        while (true)
        {
            await _pacer.WaitAsync(ct);
            Interlocked.Increment(ref _attempts);
            var sent = _clock.GetTimestamp();
            ApiAnswer? answer = null;
            string? failure = null;
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                attempt.CancelAfter(TimeSpan.FromSeconds(30));
                answer = await api.SendAsync(method, path, body, actor, ifMatch, key, attempt.Token);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // No answer: the command may or may not have been applied; the same key finds out.
                failure = e is TaskCanceledException ? "no answer within 30 s" : $"no answer: {e.Message}";
            }
            if (answer is { Status: >= HttpStatusCode.OK and < HttpStatusCode.Ambiguous })
            {
                _latency.GetOrAdd(command, _ => []).Add(_clock.GetElapsedTime(sent).TotalMilliseconds);
                Interlocked.Increment(ref _accepted);
                tenant.AcceptedByEventType.AddOrUpdate(eventType, 1, (_, n) => n + 1);
                if (answer.Replayed && refused && !outcomeUnknown)
                    RefusedButApplied.Add($"{tenant.Name}: {command} {path} was refused, yet its retry found it applied");
                return answer;
            }
            if (answer is not null && retryWhile?.Invoke(answer) == true) { }
            else if (answer is null || (int)answer.Status >= 500 || answer.Status == HttpStatusCode.TooManyRequests)
            {
                Refusals.Enqueue(Refused(command, answer, failure));
                refused = true;
                outcomeUnknown |= answer is null || answer.Status is HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout
                                  || answer.Body.Contains(OutcomeUnknown, StringComparison.Ordinal);
            }
            else
                throw new UnexpectedAnswerException($"{tenant.Name}: {command} {path}", answer);
            if (_clock.GetTimestamp() > giveUp)
                throw new CommandGaveUpException($"{tenant.Name}: {command} {path} still not accepted after {_options.CommandPatience}; last {answer?.ToString() ?? failure}");
            await Task.Delay(TimeSpan.FromMilliseconds(answer is null || (int)answer.Status >= 500 ? 200 : 20), _clock, ct);
        }
    }

    private Refusal Refused(string command, ApiAnswer? answer, string? failure)
    {
        if (answer is null) return new Refusal(_clock.GetUtcNow(), command, null, null, false, failure ?? "no answer");
        var isProblem = answer.ContentType == "application/problem+json";
        string? type = null;
        if (isProblem)
            try { type = answer.Json.TryGetProperty("type", out var t) ? t.GetString() : null; }
            catch (System.Text.Json.JsonException) { isProblem = false; }
        return new Refusal(_clock.GetUtcNow(), command, (int)answer.Status, type, isProblem, answer.Body.Length > 300 ? answer.Body[..300] : answer.Body);
    }

    /// <summary>
    /// Polls <paramref name="seen"/> every <paramref name="everyMs"/> until true; records the time since <paramref name="from"/>
    /// and tells <paramref name="onSeen"/> how many polls it took and when the answering one was sent.
    /// </summary>
    private void Watch(string what, long from, ConcurrentBag<double> samples, int everyMs, Func<Task<bool>> seen, CancellationToken ct,
        Action<int, DateTimeOffset>? onSeen = null) =>
        _watchers.Add(Task.Run(async () =>
        {
            var giveUp = from + (long)(_options.VisibilityPatience.TotalSeconds * _clock.TimestampFrequency);
            for (var polls = 1; !ct.IsCancellationRequested; polls++)
            {
                var askedAt = _clock.GetUtcNow();
                try
                {
                    if (await seen())
                    {
                        samples.Add(_clock.GetElapsedTime(from).TotalMilliseconds);
                        onSeen?.Invoke(polls, askedAt);
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
                {
                    // The service may be down for a fault; keep looking until the patience runs out.
                }
                if (_clock.GetTimestamp() > giveUp)
                {
                    _notSeen.Add($"{what}: not seen within {_options.VisibilityPatience}");
                    return;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(everyMs), _clock, ct);
            }
        }, ct));

    /// <summary>Spaces commands evenly at a rate across every caller (0 = no pacing).</summary>
    private sealed class Pacer(double perSecond, TimeProvider clock)
    {
        private readonly long _interval = perSecond > 0 ? (long)(clock.TimestampFrequency / perSecond) : 0;
        private readonly Lock _gate = new();
        private long _next = clock.GetTimestamp();

        public Task WaitAsync(CancellationToken ct)
        {
            if (_interval == 0) return Task.CompletedTask;
            long due, now;
            lock (_gate)
            {
                now = clock.GetTimestamp();
                // A pacer that fell behind (callers were all waiting for answers) does not burst to catch up.
                due = Math.Max(now, _next);
                _next = due + _interval;
            }
            return due <= now ? Task.CompletedTask : Task.Delay(clock.GetElapsedTime(now, due), clock, ct);
        }
    }
}

/// <summary>
/// A serta-merta item seen on the public page, in machine-clock time (the services' records use the same clock):
/// the ratification's answer, how many polls it took, when the answering poll was sent and when it came back.
/// </summary>
public sealed record PublicSighting(Guid Item, DateTimeOffset RatificationAnswered, int Polls, DateTimeOffset AnsweringPollSent, DateTimeOffset Seen);

/// <summary>A command still refused after <see cref="SopLoadOptions.CommandPatience"/>.</summary>
public sealed class CommandGaveUpException(string message) : Exception(message);

/// <summary>What one load run measured.</summary>
public sealed record SopLoadResult(
    SopLoadOptions Options,
    TimeSpan CommandsTook,
    TimeSpan Took,
    long AcceptedCommands,
    long Attempts,
    IReadOnlyDictionary<string, Distribution> LatencyByCommand,
    Distribution CommandLatency,
    Distribution RatificationToPublic,
    Distribution RatificationToArchived,
    Distribution RatificationToEdition,
    Distribution EditionToArchived,
    IReadOnlyList<Refusal> Refusals,
    IReadOnlyList<string> RefusedButApplied,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<string> NotSeen,
    IReadOnlyList<PublicSighting> PublicSightings)
{
    /// <summary>Accepted commands per second while commands were being sent.</summary>
    public double Throughput => AcceptedCommands / CommandsTook.TotalSeconds;

    /// <summary>Refusals grouped by what the caller saw: status and problem type, or the transport failure.</summary>
    public IReadOnlyDictionary<string, int> RefusalsByKind => Refusals
        .GroupBy(r => r.Status is { } s ? $"{s} {(r.IsProblemDetails ? r.ProblemType ?? "problem details" : "not problem details")}" : "no answer")
        .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}
