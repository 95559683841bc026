namespace Ppid.Platform.EventSourcing;

/// <summary>
/// Notes whether anything was appended, inside a caller's transaction, in the async flow that
/// started the watch (<see cref="Start"/>). A consumer wraps its handler in one
/// so that it wakes readers after its commit only when the handler appended something: most
/// consumed events change only read models, and waking the forwarder for them costs a notification
/// and an empty read each.
/// </summary>
public sealed class AppendWatch : IDisposable
{
    private static readonly AsyncLocal<AppendWatch?> Current = new();
    private readonly AppendWatch? _outer;

    private AppendWatch(AppendWatch? outer) => _outer = outer;

    /// <summary>Whether an append ran since the watch started (committed or not: the caller knows whether it committed).</summary>
    public bool Appended { get; private set; }

    /// <summary>Starts noting appends made with callers' transactions in this async flow; dispose to stop.</summary>
    public static AppendWatch Start() => Current.Value = new AppendWatch(Current.Value);

    /// <summary>Called by the event store for every append into a caller's transaction; every enclosing watch sees it.</summary>
    internal static void Record()
    {
        for (var watch = Current.Value; watch is not null; watch = watch._outer) watch.Appended = true;
    }

    public void Dispose()
    {
        if (Current.Value == this) Current.Value = _outer;
    }
}
