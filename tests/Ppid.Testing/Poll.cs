using Ppid.Demo;

namespace Ppid.Testing;

/// <summary>
/// Waiting for something that happens across processes (an event through RabbitMQ, a consumer
/// catching up). Time is read from a <see cref="TimeProvider"/> (the system's by default), as an
/// elapsed timestamp, so a wall-clock step cannot shorten or stretch the wait.
/// </summary>
public static class Poll
{
    /// <summary>
    /// Checks <paramref name="condition"/> every <paramref name="every"/> (100 ms by default) until it
    /// holds or <paramref name="timeout"/> has passed; answers whether it held. The caller asserts.
    /// </summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? every = null, TimeProvider? clock = null) =>
        (await PpidApi.PollAsync(condition, held => held, timeout, every ?? TimeSpan.FromMilliseconds(100), clock)).Done;
}
