using System.Text.Json;
using System.Threading.Channels;
using Ppid.Archive.Auditing;
using Ppid.Platform.EventSourcing;
using Ppid.Platform.Http;
using Ppid.Platform.Projections;

namespace Ppid.Archive.Replay;

/// <summary>
/// <c>POST /replay/{projection}</c> (role arsiparis) rebuilds a projection from zero and streams its
/// progress as JSON lines (<c>application/x-ndjson</c>), the last line being the result.
/// Projections span all tenants, so this is an operator's action.
/// </summary>
public static class ReplayEndpoints
{
    public static RouteGroupBuilder MapReplay(this RouteGroupBuilder group)
    {
        group.MapGet("/replay", () => TypedResults.Ok(Replayer.Projections));
        group.MapPost("/replay/{projection}", ReplayAsync);
        return group;
    }

    private static async Task<IResult> ReplayAsync(string projection, RequestContext request, Replayer replayer, HttpContext http, CancellationToken ct)
    {
        if (AuditingEndpoints.RequireRole(request, Roles.Arsiparis) is { } forbidden) return forbidden;
        if (!Replayer.Projections.Contains(projection)) return Problems.NotFound($"Projection '{projection}'");
        http.Response.ContentType = "application/x-ndjson";
        var lines = Channel.CreateUnbounded<RebuildProgress>();
        var rebuild = Task.Run(async () =>
        {
            try { await replayer.RebuildAsync(projection, new Progress(lines.Writer), ct); }
            finally { lines.Writer.Complete(); }
        }, ct);
        await foreach (var line in lines.Reader.ReadAllAsync(ct))
        {
            await http.Response.WriteAsync(JsonSerializer.Serialize(line, EventJson.Options) + "\n", ct);
            await http.Response.Body.FlushAsync(ct);
        }
        await rebuild;
        return TypedResults.Empty;
    }

    /// <summary>Synchronous progress: every report reaches the stream, in order.</summary>
    private sealed class Progress(ChannelWriter<RebuildProgress> writer) : IProgress<RebuildProgress>
    {
        public void Report(RebuildProgress value) => writer.TryWrite(value);
    }
}
