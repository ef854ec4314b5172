namespace Handlers.Eventing.Internal;

/// <summary>
/// A scope of <see cref="HttpCall.Observe"/>: a <c>configure</c> for every call that starts in the async flow that opened it,
/// until it is disposed. The scopes of a flow are a chain from the innermost to the outermost, held in an
/// <see cref="AsyncLocal{T}"/>, so that they flow into <see cref="Task.Run(Action)"/> and awaits and not into unrelated flows.
/// </summary>
/// <remarks>
/// <para>
/// A scope configures the calls its own code starts, not calls started while one of our calls runs in that flow: the call-level
/// handler takes the scopes off the flow for the pipeline below it (<see cref="HideFromFlow"/>), and the call's listeners run off
/// them (<see cref="AttemptTimer.SuspendFlow"/>), so that a token request of an auth handler, or a call a listener starts, is not
/// configured.
/// </para>
/// <para>
/// Cost: until a scope is opened in the process, every check is one read of a static counter; the flow is looked up only while a
/// scope is open somewhere, and written only when it holds one.
/// </para>
/// </remarks>
internal sealed class ObserveScope : IDisposable
{
    private static readonly AsyncLocal<ObserveScope?> s_current = new();

    // Scopes opened and not yet disposed, process-wide. 0 lets every check skip the look-up of the flow.
    private static int s_open;

    // Per thread, the last reader's context and the same context without the scopes (SuspendForChunk).
    [ThreadStatic]
    private static ExecutionContext? t_hiddenFrom;

    [ThreadStatic]
    private static ExecutionContext? t_hidden;

    private readonly Action<HttpCall> _configure;
    private readonly ObserveScope? _outer;
    private int _disposed;

    private ObserveScope(Action<HttpCall> configure, ObserveScope? outer)
    {
        _configure = configure;
        _outer = outer;
    }

    /// <summary>Gets the innermost scope of this flow, or <see langword="null"/> (at once when no scope is open in the process).</summary>
    /// <remarks>The chain may hold disposed scopes; <see cref="Configure"/> skips them.</remarks>
    public static ObserveScope? OnFlow => Volatile.Read(ref s_open) == 0 ? null : s_current.Value;

    /// <summary>Gets a value indicating whether a scope is open anywhere in the process (one static read).</summary>
    public static bool AnyOpen => Volatile.Read(ref s_open) != 0;

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Opens a scope inside the scopes of this flow and makes it the flow's innermost.</summary>
    public static ObserveScope Open(Action<HttpCall> configure)
    {
        var scope = new ObserveScope(configure, s_current.Value);
        Interlocked.Increment(ref s_open);
        s_current.Value = scope;
        return scope;
    }

    /// <summary>
    /// Takes the scopes off this flow: calls started from here on (in this flow and the tasks it starts) are not configured by
    /// them. An <see langword="async"/> method that calls it gets them back for its caller when it returns; elsewhere restore the
    /// captured <see cref="ExecutionContext"/>.
    /// </summary>
    public static void HideFromFlow() => s_current.Value = null;

    /// <summary>
    /// Takes the scopes off the flow for the listeners of one body chunk, without allocating once warm: the context without
    /// the scopes is computed once per thread for the reader's context and restored by reference on the next chunks (a
    /// reader's context stays the same object from read to read). Returns what <see cref="AttemptTimer.ResumeFlow"/> puts
    /// back, or <see langword="null"/> when no scope is on the flow.
    /// </summary>
    public static object? SuspendForChunk()
    {
        if (s_current.Value is null)
        {
            return null;
        }

        var current = ExecutionContext.Capture();
        if (current is null)
        {
            // The flow is suppressed: nothing to capture, take the scopes off one by one.
            return AttemptTimer.SuspendFlow();
        }

        if (ReferenceEquals(current, t_hiddenFrom) && t_hidden is { } hidden)
        {
            ExecutionContext.Restore(hidden);
        }
        else
        {
            HideFromFlow();
            t_hidden = ExecutionContext.Capture();
            t_hiddenFrom = current;
        }

        return current;
    }

    /// <summary>Puts back the scopes <see cref="HideFromFlow"/> took off, where no captured context can be restored.</summary>
    public static void PutBack(ObserveScope scopes) => s_current.Value = scopes;

    /// <summary>
    /// Passes <paramref name="call"/> to the undisposed scopes of the chain that ends with <paramref name="innermost"/>, outermost
    /// first. Every scope runs even when one throws; the exceptions are collected in <paramref name="failures"/>.
    /// </summary>
    public static void Configure(ObserveScope? innermost, HttpCall call, ref List<Exception>? failures)
    {
        if (innermost is null)
        {
            return;
        }

        // Outer first: the chain is short (one link per nested scope), so recursion is the simplest walk that allocates nothing.
        Configure(innermost._outer, call, ref failures);
        if (innermost.IsDisposed)
        {
            return;
        }

        try
        {
            innermost._configure(call);
        }
        catch (Exception ex)
        {
            (failures ??= []).Add(ex);
        }
    }

    /// <summary>
    /// Stops the scope for calls that start later, in every flow that holds it (what it already added stays). Disposing twice
    /// does nothing. Out of order, a scope stops alone: an outer scope disposed before an inner one stops configuring, and the
    /// inner one goes on until it is disposed.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Interlocked.Decrement(ref s_open);
        if (ReferenceEquals(s_current.Value, this))
        {
            // Back to the nearest scope still open, so that a flow does not keep a chain of disposed scopes.
            var outer = _outer;
            while (outer is not null && outer.IsDisposed)
            {
                outer = outer._outer;
            }

            s_current.Value = outer;
        }
    }
}
