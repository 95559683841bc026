namespace Ppid.Contracts;

/// <summary>
/// Names the kind of stream an event belongs to (e.g. <c>registry.item</c>). A consumer that
/// needs a stream's events in version order subscribes to every event type of that stream type.
/// The event's own stable name is its MassTransit <c>[MessageUrn]</c>, which is also its stored type name.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class StreamTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Schema version of an event type whose shape changed; older stored versions are upcast on read.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class SchemaVersionAttribute(int version) : Attribute
{
    public int Version { get; } = version;
}
