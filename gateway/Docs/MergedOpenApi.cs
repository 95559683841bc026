using System.Text.Json;
using System.Text.Json.Nodes;
using Ppid.Gateway.Access;
using Ppid.Gateway.Forwarding;

namespace Ppid.Gateway.Docs;

/// <summary>
/// One OpenAPI document for the whole API: each service's own <c>/openapi/v1.json</c>, fetched at
/// run time and cached, merged (a component name two services use differently is prefixed with the
/// service's name), then annotated from the route table with the API key scheme and each
/// operation's required scope. A service that does not answer is left out with a note, not a 500.
/// </summary>
public sealed class MergedOpenApi(ServiceDirectory directory, IHttpClientFactory http, RouteTable routes, GatewayOptions options,
    TimeProvider clock, IServiceProvider services, ILogger<MergedOpenApi> logger) : IDisposable
{
    public const string SchemeName = "ApiKey";

    /// <summary>The HttpClient that asks the services for their documents (it sends the gateway's secret).</summary>
    public const string ClientName = "openapi";
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options"];
    private static readonly TimeSpan IncompleteCache = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _building = new(1, 1);
    private (string Json, DateTimeOffset Until)? _cached;

    public void Dispose() => _building.Dispose();

    public async Task<string> GetAsync(CancellationToken ct)
    {
        if (_cached is { } hit && clock.GetUtcNow() < hit.Until) return hit.Json;
        await _building.WaitAsync(ct);
        try
        {
            if (_cached is { } again && clock.GetUtcNow() < again.Until) return again.Json;
            var (json, complete) = await BuildAsync(ct);
            _cached = (json, clock.GetUtcNow() + (complete ? options.OpenApiCache : IncompleteCache));
            return json;
        }
        finally
        {
            _building.Release();
        }
    }

    private async Task<(string Json, bool Complete)> BuildAsync(CancellationToken ct)
    {
        var merged = new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject { ["title"] = "PPID Suite API", ["version"] = "v1" },
            ["paths"] = new JsonObject(),
            ["components"] = new JsonObject(),
            ["tags"] = new JsonArray(),
        };
        var notes = new List<string>();
        var own = await GatewayDocumentAsync(ct);
        if (own is not null) Merge(merged, own, "gateway");
        foreach (var pool in directory.Pools)
        {
            if (await FetchAsync(pool, ct) is { } document) Merge(merged, document, pool.Name);
            else notes.Add($"The {pool.Name} service did not answer; its routes are omitted from this document for now.");
        }
        Annotate(merged);
        merged["info"]!["description"] = Description(notes);
        return (merged.ToJsonString(new JsonSerializerOptions { WriteIndented = false }), notes.Count == 0);
    }

    private async Task<JsonObject?> FetchAsync(ServicePool pool, CancellationToken ct)
    {
        foreach (var instance in pool.Candidates(clock.GetUtcNow()))
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                using var response = await http.CreateClient(ClientName).GetAsync(new Uri(instance.BaseUrl, "/openapi/v1.json"), timeout.Token);
                if (response.IsSuccessStatusCode && JsonNode.Parse(await response.Content.ReadAsStringAsync(timeout.Token)) is JsonObject document) return document;
                logger.LogWarning("{Instance} answered {Status} for its OpenAPI document", instance, (int)response.StatusCode);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException && !ct.IsCancellationRequested)
            {
                logger.LogWarning("{Instance} gave no OpenAPI document: {Error}", instance, e.Message);
            }
        }
        return null;
    }

    /// <summary>The gateway's own endpoints (the admin API), from its own OpenAPI generator.</summary>
    private async Task<JsonObject?> GatewayDocumentAsync(CancellationToken ct)
    {
        var provider = services.GetKeyedService<Microsoft.AspNetCore.OpenApi.IOpenApiDocumentProvider>("v1");
        if (provider is null) return null;
        var document = await provider.GetOpenApiDocumentAsync(ct);
        using var writer = new StringWriter();
        document.SerializeAsV31(new Microsoft.OpenApi.OpenApiJsonWriter(writer));
        return JsonNode.Parse(writer.ToString()) as JsonObject;
    }

    private static void Merge(JsonObject merged, JsonObject document, string service)
    {
        var components = (JsonObject)merged["components"]!;
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        if (document["components"] is JsonObject theirs)
        {
            foreach (var (kind, node) in theirs)
            {
                if (node is not JsonObject entries || kind == "securitySchemes") continue;
                var ours = components[kind] as JsonObject ?? (JsonObject)(components[kind] = new JsonObject());
                foreach (var (name, value) in entries)
                {
                    if (ours[name] is { } existing && !JsonNode.DeepEquals(existing, value))
                        renames[$"#/components/{kind}/{name}"] = $"#/components/{kind}/{service}_{name}";
                }
            }
        }
        var copy = (JsonObject)document.DeepClone();
        RewriteRefs(copy, renames);
        if (copy["components"] is JsonObject renamed)
        {
            foreach (var (kind, node) in renamed)
            {
                if (node is not JsonObject entries || kind == "securitySchemes") continue;
                var ours = (JsonObject)components[kind]!;
                foreach (var (name, value) in entries.ToList())
                {
                    var target = renames.TryGetValue($"#/components/{kind}/{name}", out var to) ? to.Split('/')[^1] : name;
                    ours[target] = value!.DeepClone();
                }
            }
        }
        var paths = (JsonObject)merged["paths"]!;
        if (copy["paths"] is JsonObject theirPaths)
            foreach (var (path, item) in theirPaths) paths[path] = item!.DeepClone();
        var tags = (JsonArray)merged["tags"]!;
        if (copy["tags"] is JsonArray theirTags)
            foreach (var tag in theirTags)
                if (tag?["name"]?.GetValue<string>() is { } name && tags.All(t => t?["name"]?.GetValue<string>() != name)) tags.Add(tag.DeepClone());
    }

    private static void RewriteRefs(JsonNode? node, Dictionary<string, string> renames)
    {
        if (renames.Count == 0) return;
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (key == "$ref" && value is JsonValue v && v.TryGetValue<string>(out var target) && renames.TryGetValue(target, out var renamed)) obj[key] = renamed;
                    else RewriteRefs(value, renames);
                }
                break;
            case JsonArray array:
                foreach (var item in array) RewriteRefs(item, renames);
                break;
        }
    }

    /// <summary>The key scheme, and on every /api operation its required scope and the gateway's own answers (401, 403, 429).</summary>
    private void Annotate(JsonObject merged)
    {
        var components = (JsonObject)merged["components"]!;
        var schemes = components["securitySchemes"] as JsonObject ?? (JsonObject)(components["securitySchemes"] = new JsonObject());
        schemes[SchemeName] = new JsonObject
        {
            ["type"] = "apiKey", ["in"] = "header", ["name"] = "X-Api-Key",
            ["description"] = "The client system's API key, in X-Api-Key or as 'Authorization: ApiKey <key>'. A key belongs to one tenant and holds scopes.",
        };
        var schemas = components["schemas"] as JsonObject ?? (JsonObject)(components["schemas"] = new JsonObject());
        schemas["GatewayProblemDetails"] = new JsonObject
        {
            ["type"] = "object",
            ["description"] = "RFC 9457 problem details",
            ["properties"] = new JsonObject
            {
                ["type"] = new JsonObject { ["type"] = "string" }, ["title"] = new JsonObject { ["type"] = "string" },
                ["status"] = new JsonObject { ["type"] = "integer" }, ["detail"] = new JsonObject { ["type"] = "string" },
                ["traceId"] = new JsonObject { ["type"] = "string" },
            },
        };
        foreach (var (path, item) in (JsonObject)merged["paths"]!)
        {
            if (!path.StartsWith("/api/", StringComparison.Ordinal) || item is not JsonObject operations) continue;
            foreach (var method in Methods)
            {
                if (operations[method] is not JsonObject operation) continue;
                var rule = routes.Match(method.ToUpperInvariant(), path);
                var scope = rule?.Scope ?? "(no rule: refused)";
                operation["x-required-scope"] = scope;
                operation["security"] = new JsonArray(new JsonObject { [SchemeName] = new JsonArray() });
                var needs = scope == RouteRule.AnyKey ? "Any API key of the tenant." : $"Required scope: `{scope}`.";
                operation["description"] = operation["description"]?.GetValue<string>() is { Length: > 0 } d ? $"{d}\n\n{needs}" : needs;
                var responses = operation["responses"] as JsonObject ?? (JsonObject)(operation["responses"] = new JsonObject());
                AddProblem(responses, "401", "No valid API key");
                AddProblem(responses, "403", "The key lacks the scope, or may not assert the X-Actor-Role");
                AddProblem(responses, "429", "Rate limit exhausted; see Retry-After", retryAfter: true);
                AddProblem(responses, "502", "The service broke off or failed to answer");
                AddProblem(responses, "503", "No instance of the service can be reached (nothing was done); see Retry-After", retryAfter: true);
                AddProblem(responses, "504", "The service did not answer in time (it may have acted: retry with the same Idempotency-Key)");
            }
        }
    }

    private static void AddProblem(JsonObject responses, string status, string description, bool retryAfter = false)
    {
        if (responses.ContainsKey(status)) return;
        var response = responses[status] = new JsonObject
        {
            ["description"] = description,
            ["content"] = new JsonObject { ["application/problem+json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/GatewayProblemDetails" } } },
        };
        if (retryAfter)
        {
            response["headers"] = new JsonObject
            {
                ["Retry-After"] = new JsonObject { ["description"] = "Seconds to wait before retrying", ["schema"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1 } },
            };
        }
    }

    private static string Description(List<string> notes)
    {
        var text = """
            The PPID Suite's API behind its gateway. Every /api request carries a client system's API key
            (X-Api-Key, or Authorization: ApiKey <key>); the key's tenant is the tenant of the request.
            The acting person travels in X-Actor-Id and X-Actor-Role; a key may assert only the roles its
            scopes allow. Each operation names its required scope in x-required-scope. Errors are RFC 9457
            problem details; every response carries X-Correlation-Id.
            """;
        return notes.Count == 0 ? text : text + "\n\n**Incomplete:** " + string.Join(" ", notes);
    }
}
