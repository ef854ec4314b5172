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
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var raising = Task.Run(() =>
        {
            var locked = holder.Gate.Enter();
            inside.SetResult();
            release.Task.Wait(TestTimeouts.Default);
            order.Enqueue("raise ended");
            holder.Gate.Exit(locked);
            return locked;
        });
        await inside.Task.WithTimeout();

        var switching = Task.Run(() =>
        {
            holder.Gate.UseLock();
            order.Enqueue("switched");
        });

        // The switch has begun — a new raise now takes the lock — while the unlocked raise still runs: it must wait for that raise.
        Assert.True(SpinWait.SpinUntil(
            () =>
            {
                var locked = holder.Gate.Enter();
                holder.Gate.Exit(locked);
                return locked;
            },
            TestTimeouts.Default));
        release.SetResult();
        await switching.WithTimeout();

        Assert.Equal(["raise ended", "switched"], order);
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
