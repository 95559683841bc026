using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using Ppid.Contracts;

namespace Ppid.Platform.EventSourcing;

/// <summary>
/// Maps stable stored type names (<c>registry.item-registered.v1</c>) to CLR types and back.
/// The name of an event type is its <see cref="MessageUrnAttribute"/>, so the stored name and
/// the message name on RabbitMQ are one. CLR names never reach the database.
/// </summary>
public sealed partial class EventTypes
{
    public const string UrnPrefix = "urn:message:";

    private readonly Dictionary<string, EventType> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, EventType> _byClr = [];
    private readonly Dictionary<(string Name, int SchemaVersion), Upcaster> _upcasters = [];

    public delegate (string Name, int SchemaVersion, JsonObject Data) Upcaster(JsonObject data);

    public EventTypes(IEnumerable<Type> types)
    {
        foreach (var type in types) Register(type);
    }

    /// <summary>Every event type (a class with <c>[MessageUrn]</c>) in the given assemblies.</summary>
    public static EventTypes FromAssemblies(params Assembly[] assemblies) =>
        new(assemblies.SelectMany(a => a.GetTypes()).Where(t => t.GetCustomAttribute<MessageUrnAttribute>() is not null));

    public IReadOnlyCollection<EventType> All => _byClr.Values;

    public EventType Register(Type clrType)
    {
        if (_byClr.TryGetValue(clrType, out var known)) return known;
        var urn = clrType.GetCustomAttribute<MessageUrnAttribute>()
            ?? throw new InvalidOperationException($"{clrType.FullName} has no [MessageUrn(\"service.event-name.vN\")]: events need a stable name.");
        var name = NameFromUrn(urn.Urn.ToString());
        if (!StableName().IsMatch(name))
            throw new InvalidOperationException($"{clrType.FullName}: event name '{name}' must look like 'service.event-name.v1' (lower case, versioned).");
        if (clrType.Namespace is null)
            throw new InvalidOperationException($"{clrType.Name}: MassTransit message types must live in a namespace.");
        var streamType = clrType.GetCustomAttribute<StreamTypeAttribute>()?.Name
            ?? throw new InvalidOperationException($"{clrType.FullName} has no [StreamType(\"service.stream\")]: every event belongs to a kind of stream.");
        var schemaVersion = clrType.GetCustomAttribute<SchemaVersionAttribute>()?.Version ?? 1;
        if (_byName.TryGetValue(name, out var clash))
            throw new InvalidOperationException($"Event name '{name}' is used by both {clash.ClrType.FullName} and {clrType.FullName}.");
        var eventType = new EventType(name, clrType, streamType, schemaVersion);
        _byName[name] = eventType;
        _byClr[clrType] = eventType;
        return eventType;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[a-z][a-z0-9]*\.[a-z0-9][a-z0-9\-]*\.v[0-9]+$")]
    private static partial System.Text.RegularExpressions.Regex StableName();

    public static string NameFromUrn(string urn) =>
        urn.StartsWith(UrnPrefix, StringComparison.Ordinal) ? urn[UrnPrefix.Length..] : urn;

    public EventType Of(Type clrType) =>
        _byClr.TryGetValue(clrType, out var type) ? type
        : throw new UnknownEventTypeException($"{clrType.FullName} is not a registered event type.");

    public EventType Of(string name) =>
        _byName.TryGetValue(name, out var type) ? type
        : throw new UnknownEventTypeException($"Stored event type '{name}' is not known to this service. Register its contract or an upcaster.");

    public bool TryGet(string name, out EventType type) => _byName.TryGetValue(name, out type!);

    public IEnumerable<EventType> OfStreamType(string streamType) => _byClr.Values.Where(t => t.StreamType == streamType);

    /// <summary>
    /// Registers how to read an older shape: a stored (name, schema version) becomes a newer one.
    /// Upcasters chain until a registered type is reached.
    /// </summary>
    public void AddUpcaster(string name, int schemaVersion, Upcaster upcaster) => _upcasters[(name, schemaVersion)] = upcaster;

    /// <summary>Turns stored JSON into the current CLR event, upcasting old shapes; unknown types fail loudly.</summary>
    public object Deserialize(string name, int schemaVersion, string json)
    {
        if (_upcasters.Count > 0 && _upcasters.ContainsKey((name, schemaVersion)))
        {
            var node = JsonNode.Parse(json)!.AsObject();
            while (_upcasters.TryGetValue((name, schemaVersion), out var upcast))
                (name, schemaVersion, node) = upcast(node);
            var upcastType = Of(name);
            return node.Deserialize(upcastType.ClrType, EventJson.Options)
                ?? throw new InvalidOperationException($"Event of type '{name}' deserialized to null.");
        }
        var type = Of(name);
        if (schemaVersion != type.SchemaVersion)
            throw new UnknownEventTypeException($"Stored event '{name}' has schema version {schemaVersion}, the code knows {type.SchemaVersion} and no upcaster.");
        return JsonSerializer.Deserialize(json, type.ClrType, EventJson.Options)
            ?? throw new InvalidOperationException($"Event of type '{name}' deserialized to null.");
    }
}

public sealed record EventType(string Name, Type ClrType, string StreamType, int SchemaVersion);

public sealed class UnknownEventTypeException(string message) : Exception(message);

/// <summary>The one JSON shape of events: camelCase, enums as strings, nulls kept.</summary>
public static class EventJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
