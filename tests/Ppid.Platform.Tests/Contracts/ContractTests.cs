using MassTransit;
using Ppid.Contracts;
using Ppid.Platform.EventSourcing;

namespace Ppid.Platform.Tests.Contracts;

/// <summary>
/// The rules every event type (contracts and service-internal) must follow are enforced when a
/// service registers its events, so a bad contract stops the service at start-up.
/// </summary>
public sealed class ContractTests
{
    [Fact]
    public void An_event_registers_under_its_message_urn_which_is_its_stored_name()
    {
        var type = new EventTypes([typeof(MoneyDeposited)]).Of(typeof(MoneyDeposited));
        type.Name.ShouldBe("test.money-deposited.v1");
        MessageUrn.ForTypeString<MoneyDeposited>().ShouldBe(EventTypes.UrnPrefix + type.Name);
        type.StreamType.ShouldBe("test.account");
    }

    [Fact]
    public void Unversioned_names_missing_stream_types_and_duplicate_names_are_refused()
    {
        Should.Throw<InvalidOperationException>(() => new EventTypes([typeof(Unversioned)])).Message.ShouldContain("service.event-name.v1");
        Should.Throw<InvalidOperationException>(() => new EventTypes([typeof(NoStream)])).Message.ShouldContain("[StreamType");
        Should.Throw<InvalidOperationException>(() => new EventTypes([typeof(Duplicate1), typeof(Duplicate2)])).Message.ShouldContain("test.duplicate.v1");
        Should.Throw<InvalidOperationException>(() => new EventTypes([typeof(NotAnEvent)])).Message.ShouldContain("[MessageUrn");
    }

    [Fact]
    public void The_suite_contracts_register_together()
    {
        Should.NotThrow(() => EventTypes.FromAssemblies(typeof(StreamTypeAttribute).Assembly));
    }

    [MessageUrn("test.Unversioned"), StreamType("test.x")] private sealed record Unversioned;
    [MessageUrn("test.no-stream.v1")] private sealed record NoStream;
    [MessageUrn("test.duplicate.v1"), StreamType("test.dup")] private sealed record Duplicate1;
    [MessageUrn("test.duplicate.v1"), StreamType("test.dup")] private sealed record Duplicate2;
    private sealed record NotAnEvent;
}
