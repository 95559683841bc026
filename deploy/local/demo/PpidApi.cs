using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ppid.Demo;

/// <summary>The person and SOP role a step is taken as (the gateway checks the key may assert the role).</summary>
public sealed record Actor(string Id, string Role);

/// <summary>One answer of the API, read whole: status, body text, ETag and content type; <c>Replayed</c> when it is the stored answer of an earlier request with the same Idempotency-Key.</summary>
public sealed record ApiAnswer(HttpStatusCode Status, string Body, string? ETag, string? ContentType, Uri? Location, bool Replayed = false)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public override string ToString() => $"{(int)Status} {ContentType}: {(Body.Length > 2000 ? Body[..2000] + "…" : Body)}";
}

/// <summary>An answer other than the one a step expected, with the problem details the API gave.</summary>
public sealed class UnexpectedAnswerException(string step, ApiAnswer answer)
    : Exception($"{step}: expected success, got {answer}")
{
    public ApiAnswer Answer { get; } = answer;
}

/// <summary>
/// A client of the suite's gateway with one API key. Shared by the end-to-end tests and the demo
/// seeder (linked into both), so the demo walks the SOP exactly as the tests prove it works.
/// </summary>
public sealed class PpidApi(HttpClient http, string? key)
{
    public HttpClient Http { get; } = http;

    public async Task<ApiAnswer> SendAsync(HttpMethod method, string path, JsonNode? body = null, Actor? actor = null,
        string? ifMatch = null, string? idempotencyKey = null, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        if (actor is not null)
        {
            request.Headers.Add("X-Actor-Id", actor.Id);
            request.Headers.Add("X-Actor-Role", actor.Role);
        }
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await Http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return new ApiAnswer(response.StatusCode, text, response.Headers.ETag?.Tag, response.Content.Headers.ContentType?.MediaType, response.Headers.Location,
            response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Contains("true"));
    }

    public Task<ApiAnswer> GetAsync(string path, Actor? actor = null, CancellationToken ct = default) => SendAsync(HttpMethod.Get, path, actor: actor, ct: ct);

    /// <summary>Sends and insists on a 2xx answer (else <see cref="UnexpectedAnswerException"/> naming the step).</summary>
    public async Task<ApiAnswer> ExpectAsync(string step, HttpMethod method, string path, JsonNode? body = null, Actor? actor = null,
        string? ifMatch = null, string? idempotencyKey = null, CancellationToken ct = default)
    {
        var answer = await SendAsync(method, path, body, actor, ifMatch, idempotencyKey, ct);
        return (int)answer.Status is >= 200 and < 300 ? answer : throw new UnexpectedAnswerException(step, answer);
    }

    /// <summary>
    /// Asks again until <paramref name="done"/> holds: the services learn of each other's events
    /// asynchronously (RabbitMQ), so a step that depends on another service's effect waits for it.
    /// </summary>
    /// <param name="clock">Times the wait (the system's by default), by elapsed timestamps, so a wall-clock step neither shortens nor stretches it.</param>
    public static async Task<T> EventuallyAsync<T>(string what, Func<Task<T>> attempt, Func<T, bool> done, TimeSpan timeout,
        TimeProvider? clock = null, CancellationToken ct = default)
    {
        var (last, reached) = await PollAsync(attempt, done, timeout, TimeSpan.FromMilliseconds(200), clock, ct);
        return reached ? last : throw new TimeoutException($"{what}: not reached within {timeout}; last: {last}");
    }

    /// <summary>
    /// The one wait loop of the demo and the tests (Ppid.Testing's <c>Poll</c> uses it too): calls
    /// <paramref name="attempt"/> every <paramref name="every"/> until <paramref name="done"/> holds or
    /// <paramref name="timeout"/> has passed (by elapsed timestamps of <paramref name="clock"/>, the
    /// system's by default, so a wall-clock step neither shortens nor stretches it); answers the last
    /// result and whether it was done.
    /// </summary>
    public static async Task<(T Last, bool Done)> PollAsync<T>(Func<Task<T>> attempt, Func<T, bool> done, TimeSpan timeout, TimeSpan every,
        TimeProvider? clock = null, CancellationToken ct = default)
    {
        clock ??= TimeProvider.System;
        var started = clock.GetTimestamp();
        while (true)
        {
            var result = await attempt();
            if (done(result)) return (result, true);
            if (clock.GetElapsedTime(started) >= timeout) return (result, false);
            await Task.Delay(every, clock, ct);
        }
    }
}

/// <summary>The steps of the SOP (registry, cycle, classification, publication) as the API takes them.</summary>
public sealed class Sop(PpidApi registry, PpidApi propose, PpidApi decide, PpidApi ratify, PpidApi publish)
{
    public static readonly TimeSpan AsyncTimeout = TimeSpan.FromSeconds(60);
    public const string Classifications = "/api/v1/classification/classifications";

    public PpidApi Registry => registry;
    public PpidApi Propose => propose;
    public PpidApi Decide => decide;
    public PpidApi Ratify => ratify;
    public PpidApi Publish => publish;

    /// <summary>Idempotency keys derived from a stable name (the demo re-runs; the tests use fresh prefixes).</summary>
    public string KeyPrefix { get; init; } = Guid.NewGuid().ToString("N");

    private string Key(string name) => $"{KeyPrefix}-{name}";

    public Task PutUnitAsync(Actor actor, string code, string name) =>
        registry.ExpectAsync($"unit {code}", HttpMethod.Put, $"/api/v1/registry/units/{code}", new JsonObject { ["name"] = name }, actor);

    public Task PutRecordClassAsync(Actor actor, string code, string name) =>
        registry.ExpectAsync($"record class {code}", HttpMethod.Put, $"/api/v1/registry/record-classes/{code}",
            new JsonObject { ["name"] = name, ["activeYears"] = 2, ["inactiveYears"] = 5, ["disposition"] = "permanent" }, actor);

    public static JsonObject Item(string title, string summary, string unit, string kind, string recordClass) => new()
    {
        ["title"] = title,
        ["summary"] = summary,
        ["holdingUnit"] = unit,
        ["responsibleOfficial"] = "Kepala " + unit,
        ["productionDate"] = "2026-10-01",
        ["productionPlace"] = "Kota Contoh",
        ["forms"] = new JsonArray(new JsonObject { ["form"] = "softcopy", ["format"] = "PDF", ["location"] = "https://ppid.example.go.id/dokumen/" + Uri.EscapeDataString(title) + ".pdf" }),
        ["recordClass"] = recordClass,
        ["kind"] = kind,
        ["language"] = "id",
        ["tags"] = new JsonArray("dip"),
    };

    public async Task<(Guid Id, string ETag)> RegisterAsync(Actor actor, JsonObject item, string name)
    {
        var answer = await registry.ExpectAsync($"register {name}", HttpMethod.Post, "/api/v1/registry/items", item, actor, idempotencyKey: Key("item-" + name));
        return (answer.Json.GetProperty("id").GetGuid(), answer.ETag!);
    }

    public async Task<Guid> OpenCycleAsync(Actor actor, string period, int year)
    {
        var answer = await registry.ExpectAsync("open cycle", HttpMethod.Post, "/api/v1/registry/cycles",
            new JsonObject { ["period"] = period, ["year"] = year }, actor, idempotencyKey: Key("cycle"));
        return answer.Json.GetProperty("id").GetGuid();
    }

    public async Task<JsonElement> SubmitAsync(Actor actor, Guid cycle, string unit, IEnumerable<Guid> items, string name) =>
        (await registry.ExpectAsync($"submission {name}", HttpMethod.Post, $"/api/v1/registry/cycles/{cycle}/submissions",
            new JsonObject { ["unit"] = unit, ["itemIds"] = new JsonArray(items.Select(i => (JsonNode)i.ToString()).ToArray()) }, actor,
            idempotencyKey: Key("submit-" + name))).Json;

    public Task VerifyAsync(Actor actor, Guid cycle, Guid item, string outcome, string? notes, string name) =>
        registry.ExpectAsync($"verification {name}", HttpMethod.Post, $"/api/v1/registry/cycles/{cycle}/items/{item}/verification",
            new JsonObject { ["outcome"] = outcome, ["notes"] = notes }, actor, idempotencyKey: Key("verify-" + name));

    public async Task<JsonElement> CloseAsync(Actor actor, Guid cycle) =>
        (await registry.ExpectAsync("close collection", HttpMethod.Post, $"/api/v1/registry/cycles/{cycle}/close", new JsonObject(), actor,
            idempotencyKey: Key("close"))).Json;

    /// <summary>Proposes; retries while classification has not yet heard of the item from the registry (404).</summary>
    public async Task<(Guid Id, string ETag)> ProposeAsync(Actor actor, JsonObject proposal, string name)
    {
        var answer = await PpidApi.EventuallyAsync($"proposal {name}",
            () => propose.SendAsync(HttpMethod.Post, Classifications, proposal, actor, idempotencyKey: Key("propose-" + name)),
            a => a.Status != HttpStatusCode.NotFound, AsyncTimeout);
        if (answer.Status != HttpStatusCode.Created) throw new UnexpectedAnswerException($"proposal {name}", answer);
        return (answer.Json.GetProperty("id").GetGuid(), answer.ETag!);
    }

    /// <summary>A step on a classification (comments, revisions, meeting, determination, ratification); returns the new ETag.</summary>
    public async Task<string> StepAsync(PpidApi api, Actor actor, Guid id, string step, JsonNode? body, string etag, string name) =>
        (await api.ExpectAsync($"{step} {name}", HttpMethod.Post, $"{Classifications}/{id}/{step}", body ?? new JsonObject(), actor, etag,
            Key($"{step}-{name}"))).ETag!;

    public static JsonObject Meeting() => new()
    {
        ["meetingDate"] = "2026-11-02",
        ["attendees"] = new JsonArray("PPID Utama", "Tim Pelayanan Informasi"),
        ["minutesReference"] = "Notulen Rapat Koordinasi No. 005/RK-PPID/XI/2026",
        ["outcome"] = "agreed",
    };

    public static JsonObject Determination(string decreeNumber) => new()
    {
        ["decreeNumber"] = decreeNumber,
        ["decreeDate"] = "2026-11-03",
        ["place"] = "Kota Contoh",
        ["ppidName"] = "Drs. Ahmad Fauzi, M.Si.",
    };

    /// <summary>Consultation by both reviewers, meeting, determination; returns the ETag to ratify.</summary>
    public async Task<string> ConsultAndDetermineAsync(Guid id, string etag, string name, Actor ppid, Actor tim, string decreeNumber)
    {
        etag = await StepAsync(decide, ppid, id, "comments", new JsonObject { ["comment"] = "Sesuai SOP.", ["requiresCorrection"] = false }, etag, name + "-ppid");
        etag = await StepAsync(decide, tim, id, "comments", new JsonObject { ["comment"] = "Setuju.", ["requiresCorrection"] = false }, etag, name + "-tim");
        etag = await StepAsync(decide, ppid, id, "meeting", Meeting(), etag, name);
        return await StepAsync(decide, ppid, id, "determination", Determination(decreeNumber), etag, name);
    }

    /// <summary>Consultation by both reviewers, meeting, determination, ratification.</summary>
    public async Task<string> ConsultAndRatifyAsync(Guid id, string etag, string name, Actor ppid, Actor tim, Actor atasan, string decreeNumber) =>
        await StepAsync(ratify, atasan, id, "ratification", null, await ConsultAndDetermineAsync(id, etag, name, ppid, tim, decreeNumber), name);

    /// <summary>Waits until publication's draft holds every ratified item, then publishes the edition.</summary>
    /// <summary>Publishes once the draft has the expected entries; the effective date defaults to the service's today.</summary>
    public async Task<JsonElement> PublishWhenDraftHasAsync(Actor ppid, int dipEntries, int dikEntries, string? effectiveDate = null)
    {
        await PpidApi.EventuallyAsync("publication's draft",
            () => publish.GetAsync("/api/v1/publication/draft", ppid),
            a => a.Status == HttpStatusCode.OK && a.Json.GetProperty("entries").GetArrayLength() == dipEntries
                 && a.Json.GetProperty("exemptions").GetArrayLength() == dikEntries,
            AsyncTimeout);
        return (await publish.ExpectAsync("publish edition", HttpMethod.Post, "/api/v1/publication/editions",
            new JsonObject { ["effectiveDate"] = effectiveDate }, ppid, idempotencyKey: Key("edition"))).Json;
    }
}
