using System.Net;

namespace Ppid.Gateway.Forwarding;

/// <summary>
/// The incoming request body as outgoing content, copied as it arrives (never buffered), with a
/// signal when the whole body has gone out: the wait for the service's answer is timed from then,
/// so a large upload is not cut short by the answer timeout (Kestrel's minimum data rate guards slow uploads).
/// </summary>
internal sealed class StreamingBody(Stream incoming, Action sent) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await incoming.CopyToAsync(stream, cancellationToken);
        sent();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
