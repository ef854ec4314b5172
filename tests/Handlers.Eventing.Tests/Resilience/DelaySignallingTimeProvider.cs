using Microsoft.Extensions.Time.Testing;

namespace Handlers.Eventing.Tests.Resilience;

/// <summary>A <see cref="FakeTimeProvider"/> that tells when a timer of a given due time is created (Polly's retry delay).</summary>
public sealed class DelaySignallingTimeProvider : FakeTimeProvider
{
    private readonly TimeSpan _dueTime;
    private readonly TaskCompletionSource _created = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DelaySignallingTimeProvider(TimeSpan dueTime) => _dueTime = dueTime;

    /// <summary>Gets a task that completes once a timer due in exactly the given time was created.</summary>
    public Task DelayStarted => _created.Task;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime == _dueTime)
        {
            _created.TrySetResult();
        }

        return timer;
    }
}
