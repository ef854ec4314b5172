using Handlers.Eventing.Testing;

namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>
/// A response body that plays a script, one step per read: a chunk of bytes, the end, a failure, or a read that stays pending
/// until its token is cancelled. A zero-length read returns 0 and plays nothing. <see cref="DuringRead"/> runs inside a read, after its step is chosen and before it returns,
/// so a test can force an interleaving (an abort while a read is in the transport) without timing. Like a transport's stream, it
/// throws <see cref="ObjectDisposedException"/> when read after its disposal.
/// </summary>
public sealed class ScriptedStream : ReadOnlyStream
{
    private readonly Queue<Step> _steps;
    private readonly bool _yield;
    private readonly TaskCompletionSource _pendingStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _position;
    private int _rest;
    private Exception? _disposeFailure;

    /// <param name="yield">True: an async read completes asynchronously; false: it completes synchronously (buffered data).</param>
    /// <param name="steps">The steps, one per read (a chunk larger than the buffer continues in the next read); after the last one every read returns 0.</param>
    public ScriptedStream(bool yield, params Step[] steps)
    {
        _yield = yield;
        _steps = new Queue<Step>(steps);
    }

    /// <summary>Gets or sets what runs inside a read, with the index of that read (from 0), before it returns.</summary>
    public Action<int>? DuringRead { get; set; }

    /// <summary>Gets a task that completes when a read reaches a <see cref="Step.Pending"/> step.</summary>
    public Task PendingStarted => _pendingStarted.Task;

    /// <summary>Gets the number of reads that reached this stream.</summary>
    public int Reads { get; private set; }

    /// <summary>Gets the number of times this stream was disposed.</summary>
    public int Disposals { get; private set; }

    /// <summary>Gets or sets what the first disposal throws (after it counted), as a transport's stream may.</summary>
    public Exception? DisposeFailure
    {
        get => _disposeFailure;
        set => _disposeFailure = value;
    }

    public static Step Chunk(int count) => new(count, null, false);

    public static Step Fail(Exception exception) => new(0, exception, false);

    /// <summary>A failure thrown synchronously out of <c>ReadAsync</c> itself (as an <see cref="ObjectDisposedException"/> often is), not through its task.</summary>
    public static Step FailNow(Exception exception) => new(0, exception, false, Plain: true);

    public static Step Pending() => new(0, null, true);

    /// <summary>A read that stays pending until its token is cancelled, then throws a plain <see cref="OperationCanceledException"/>.</summary>
    public static Step PendingPlain() => new(0, null, true, Plain: true);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        var step = Next();
        if (step.Pending)
        {
            throw new NotSupportedException("A pending step needs an async read (it waits for the read's token).");
        }

        return Play(step, buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return new ValueTask<int>(0);
        }

        if (!_yield)
        {
            var step = Next();
            if (step.Pending)
            {
                return new ValueTask<int>(WaitCancelledAsync(step, cancellationToken));
            }

            if (step.Failure is { } now && step.Plain)
            {
                throw now;
            }

            try
            {
                return new ValueTask<int>(Play(step, buffer.Span));
            }
            catch (Exception ex)
            {
                return ValueTask.FromException<int>(ex);
            }
        }

        return YieldingReadAsync(buffer, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        Disposals++;
        base.Dispose(disposing);
        if (Interlocked.Exchange(ref _disposeFailure, null) is { } failure)
        {
            throw failure;
        }
    }

    private async ValueTask<int> YieldingReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var step = Next();
        if (step.Pending)
        {
            return await WaitCancelledAsync(step, cancellationToken);
        }

        return Play(step, buffer.Span);
    }

    private async Task<int> WaitCancelledAsync(Step step, CancellationToken cancellationToken)
    {
        _pendingStarted.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (TaskCanceledException) when (step.Plain)
        {
            throw new OperationCanceledException("The read was cancelled.", cancellationToken);
        }

        return 0;
    }

    private Step Next()
    {
        ObjectDisposedException.ThrowIf(Disposals > 0, this);
        var index = Reads++;
        Step step;
        if (_rest > 0)
        {
            step = Chunk(_rest);
            _rest = 0;
        }
        else
        {
            step = _steps.Count > 0 ? _steps.Dequeue() : new Step(0, null, false);
        }

        if (!step.Pending)
        {
            DuringRead?.Invoke(index);
        }

        return step;
    }

    private int Play(Step step, Span<byte> buffer)
    {
        if (step.Failure is { } failure)
        {
            throw failure;
        }

        var count = Math.Min(step.Count, buffer.Length);
        _rest = step.Count - count;
        for (var i = 0; i < count; i++)
        {
            buffer[i] = LoopbackServer.PatternByte(_position + i);
        }

        _position += count;
        return count;
    }

    /// <summary>One read of the script.</summary>
    public readonly record struct Step(int Count, Exception? Failure, bool Pending, bool Plain = false);
}
