using Handlers.Eventing.Internal;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls.Internal;

public class CallEventGateTests
{
    [Fact]
    public void Enter_BeforeUseLock_DoesNotLock()
    {
        var gate = new Holder();

        var locked = gate.Gate.Enter();
        gate.Gate.Exit(locked);

        Assert.False(locked);
    }

    [Fact]
    public async Task UseLock_WhileAnUnlockedRaiseRuns_WaitsForItThenLocksEveryRaise()
    {
        var holder = new Holder();
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var raising = Task.Run(() =>
        {
            var locked = holder.Gate.Enter();
            inside.SetResult();
            release.Task.Wait(TestTimeouts.Default);
            holder.Gate.Exit(locked);
            return locked;
        });
        await inside.Task.WithTimeout();

        var switching = Task.Run(() => holder.Gate.UseLock());
        var first = await Task.WhenAny(switching, Task.Delay(TimeSpan.FromMilliseconds(200)));
        Assert.NotSame(switching, first);

        release.SetResult();
        await switching.WithTimeout();
        Assert.False(await raising.WithTimeout());
        var lockedNow = holder.Gate.Enter();
        holder.Gate.Exit(lockedNow);
        Assert.True(lockedNow);
    }

    private sealed class Holder
    {
        public CallEventGate Gate;
    }
}
