using System.Text.Json.Nodes;

namespace Ppid.Archive.Auditing;

/// <summary>
/// An item's state across services, folded from its ledger entries (pure). The sections follow
/// the services: <c>registry</c> (fields a–g, documents, status), <c>classification</c>
/// (category, decree, consequence test, opening) and <c>publication</c> (where the public sees
/// it). Events the fold does not know leave the state as it was: they still appear in the history.
/// </summary>
public static class ItemState
{
    private static readonly HashSet<string> RegistryFieldsSkipped = ["itemId", "documents", "registeredAt", "revisedAt"];

    public static JsonObject Initial() => new();

    public static JsonObject Evolve(JsonObject state, Guid itemId, string type, JsonObject data)
    {
        var next = (JsonObject)state.DeepClone();
        switch (type)
        {
            case "registry.item-registered.v1":
            {
                var registry = new JsonObject { ["status"] = "active" };
                foreach (var (name, value) in data)
                    if (!RegistryFieldsSkipped.Contains(name)) registry[name] = value?.DeepClone();
                registry["documents"] = data["documents"]?.DeepClone() ?? new JsonArray();
                next["registry"] = registry;
                break;
            }
            case "registry.item-revised.v1":
            {
                var registry = Section(next, "registry");
                foreach (var (name, value) in data)
                    if (value is not null && !RegistryFieldsSkipped.Contains(name)) registry[name] = value.DeepClone();
                break;
            }
            case "registry.document-attached.v1":
            {
                var registry = Section(next, "registry");
                var documents = registry["documents"] as JsonArray ?? [];
                documents.Add(data["document"]?.DeepClone());
                registry["documents"] = documents;
                break;
            }
            case "registry.document-detached.v1":
            {
                var registry = Section(next, "registry");
                var documentId = data["documentId"]?.GetValue<string>();
                var kept = new JsonArray();
                foreach (var d in registry["documents"] as JsonArray ?? [])
                    if (!string.Equals(d?["documentId"]?.GetValue<string>(), documentId, StringComparison.OrdinalIgnoreCase)) kept.Add(d?.DeepClone());
                registry["documents"] = kept;
                break;
            }
            case "registry.item-withdrawn.v1":
            {
                var registry = Section(next, "registry");
                registry["status"] = "withdrawn";
                registry["withdrawalReason"] = data["reason"]?.DeepClone();
                break;
            }
            case "registry.item-reinstated.v1":
            {
                var registry = Section(next, "registry");
                registry["status"] = "active";
                registry.Remove("withdrawalReason");
                break;
            }
            case "classification.classification-ratified.v1":
                next["classification"] = new JsonObject
                {
                    ["classificationId"] = data["classificationId"]?.DeepClone(),
                    ["category"] = data["category"]?.DeepClone(),
                    ["intervalMonths"] = data["intervalMonths"]?.DeepClone(),
                    ["rationale"] = data["rationale"]?.DeepClone(),
                    ["consequenceTest"] = data["consequenceTest"]?.DeepClone(),
                    ["decree"] = data["decree"]?.DeepClone(),
                    ["supersedes"] = data["supersedes"]?.DeepClone(),
                    ["ratifiedBy"] = data["ratifiedBy"]?.DeepClone(),
                    ["ratifiedAt"] = data["ratifiedAt"]?.DeepClone(),
                };
                break;
            case "classification.exempt-item-opened.v1":
            {
                var classification = Section(next, "classification");
                classification["category"] = data["openedAs"]?.DeepClone();
                classification["opening"] = new JsonObject
                {
                    ["reason"] = data["reason"]?.DeepClone(),
                    ["reference"] = data["reference"]?.DeepClone(),
                    ["openedAt"] = data["openedAt"]?.DeepClone(),
                };
                break;
            }
            case "publication.entry-published.v1":
                next["publication"] = new JsonObject
                {
                    ["list"] = "dip",
                    ["edition"] = null,
                    ["entry"] = data["entry"]?.DeepClone(),
                    ["publishedAt"] = data["publishedAt"]?.DeepClone(),
                };
                break;
            case "publication.edition-published.v1":
                next["publication"] = EditionPlacement(itemId, data);
                break;
            case var other when other.StartsWith("classification.", StringComparison.Ordinal):
                // The workflow before ratification (proposed, commented, revised, meeting, determined...):
                // the current proposal with its last step, so each step shows as a diff.
                Workflow(next, "proposal", other, data, scalarsOnly: false);
                break;
            case var other when other.StartsWith("registry.", StringComparison.Ordinal) && data["cycleId"] is not null:
                // The item's passage through an update cycle (submitted, accepted, returned, collected).
                Workflow(next, "cycle", other, data, scalarsOnly: true);
                break;
        }
        return next;
    }

    private static void Workflow(JsonObject state, string name, string type, JsonObject data, bool scalarsOnly)
    {
        var key = name == "proposal" ? "classificationId" : "cycleId";
        if (state[name] is not JsonObject section || !JsonNode.DeepEquals(section[key], data[key]))
        {
            section = new JsonObject();
            state[name] = section;
        }
        section["step"] = StepName(type);
        foreach (var (field, value) in data)
        {
            if (field == "itemId" || field.EndsWith("At", StringComparison.Ordinal)) continue;
            if (scalarsOnly && value is JsonObject or JsonArray) continue;
            section[field] = value?.DeepClone();
        }
    }

    /// <summary><c>classification.proposal-commented.v1</c> → <c>proposal-commented</c>.</summary>
    private static string StepName(string type)
    {
        var start = type.IndexOf('.', StringComparison.Ordinal) + 1;
        var end = type.LastIndexOf(".v", StringComparison.Ordinal);
        return end > start ? type[start..end] : type[start..];
    }

    private static JsonObject EditionPlacement(Guid itemId, JsonObject data)
    {
        var id = itemId.ToString();
        foreach (var (list, property) in new[] { ("dip", "entries"), ("dik", "exemptions") })
        {
            foreach (var entry in data[property] as JsonArray ?? [])
            {
                if (string.Equals(entry?["itemId"]?.GetValue<string>(), id, StringComparison.OrdinalIgnoreCase))
                    return new JsonObject
                    {
                        ["list"] = list,
                        ["edition"] = data["number"]?.DeepClone(),
                        ["editionId"] = data["editionId"]?.DeepClone(),
                        ["entry"] = entry!.DeepClone(),
                        ["publishedAt"] = data["publishedAt"]?.DeepClone(),
                    };
            }
        }
        return new JsonObject { ["list"] = null, ["edition"] = data["number"]?.DeepClone(), ["publishedAt"] = data["publishedAt"]?.DeepClone() };
    }

    private static JsonObject Section(JsonObject state, string name)
    {
        if (state[name] is JsonObject existing) return existing;
        var created = new JsonObject();
        state[name] = created;
        return created;
    }
}
