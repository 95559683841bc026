using System.Text.Json.Nodes;
using Ppid.Archive.Auditing;
using Shouldly;
using Xunit;

namespace Ppid.Archive.Tests;

/// <summary>Events the item fold knows only by family: the classification workflow and the item's passage through a cycle.</summary>
public sealed class WorkflowFoldTests
{
    [Fact]
    public void Classification_workflow_and_cycle_steps_show_as_their_own_sections()
    {
        var id = Guid.NewGuid();
        var c = Guid.NewGuid();
        var proposed = ItemState.Evolve(ItemState.Initial(), id, "classification.classification-proposed.v1",
            JsonNode.Parse($$"""{"classificationId":"{{c}}","itemId":"{{id}}","category":"berkala","proposedAt":"2026-01-01T00:00:00Z"}""")!.AsObject());
        var commented = ItemState.Evolve(proposed, id, "classification.proposal-commented.v1",
            JsonNode.Parse($$"""{"classificationId":"{{c}}","itemId":"{{id}}","comment":"Perbaiki alasan","requiresCorrection":true}""")!.AsObject());
        JsonDiff.Between(proposed, commented).Select(d => d.Path).ShouldBe(["proposal.comment", "proposal.requiresCorrection", "proposal.step"]);
        commented["proposal"]!["category"]!.GetValue<string>().ShouldBe("berkala");
        commented["proposal"]!.AsObject().ContainsKey("proposedAt").ShouldBeFalse();

        var submitted = ItemState.Evolve(commented, id, "registry.items-submitted.v1",
            JsonNode.Parse($$"""{"cycleId":"{{c}}","receiptNumber":"TT/2026/0001","items":[{"itemId":"{{id}}"}]}""")!.AsObject());
        submitted["cycle"]!["step"]!.GetValue<string>().ShouldBe("items-submitted");
        submitted["cycle"]!.AsObject().ContainsKey("items").ShouldBeFalse();
        ItemHistory.DecisionOf(id, JsonNode.Parse("""{"receiptNumber":"TT/2026/0001"}""")!.AsObject()).ShouldBe("Tanda terima TT/2026/0001");
    }
}
