using System.Diagnostics;
using System.Text.Json;
using Ppid.Platform.EventSourcing;

namespace Ppid.Benchmarks;

internal sealed record ClientPrepCost(double MicrosecondsPerEvent);

/// <summary>
/// The client-side work EventStore.AppendAsync does for one event before its round trip (the steps of
/// its private Prepare, through the platform's public helpers), timed in-process on one thread.
/// </summary>
internal static class ClientPrep
{
    public static ClientPrepCost Measure(int iterations = 50_000)
    {
        var types = Sample.Types();
        var sink = 0;
        for (var pass = 0; pass < 2; pass++) // first pass warms up the JIT
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < iterations; i++)
            {
                var streamId = $"item-prep-{i:D6}";
                var data = Sample.Event(streamId, i % 10 + 1);
                var metadata = Sample.Metadata();
                var recordedAt = EventHashing.TruncateToMicroseconds(DateTimeOffset.UtcNow);
                var metadataElement = JsonSerializer.SerializeToElement(metadata, EventJson.Options);
                var metadataJson = metadataElement.GetRawText();
                var canonicalMetadata = CanonicalJson.ToBytes(metadataElement);
                var type = types.Of(data.GetType());
                var element = JsonSerializer.SerializeToElement(data, type.ClrType, EventJson.Options);
                var digest = EventHashing.ContentDigest(Guid.CreateVersion7(recordedAt), streamId, type.Name, type.SchemaVersion, metadata.Tenant,
                    recordedAt, CanonicalJson.ToBytes(element), canonicalMetadata);
                sink += digest[0] + element.GetRawText().Length + metadataJson.Length;
            }
            if (pass == 1)
                return new ClientPrepCost(Stopwatch.GetElapsedTime(start).TotalMicroseconds / iterations + (sink == int.MinValue ? 1 : 0));
        }
        throw new UnreachableException();
    }
}
