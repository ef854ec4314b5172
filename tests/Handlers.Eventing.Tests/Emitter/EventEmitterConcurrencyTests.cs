namespace Handlers.Eventing.Tests.Emitter;

/// <summary>
/// Stress tests: concurrent registrations, removals and emits never corrupt state or lose a registration.
/// Every test ends with an exact assertion; waits are bounded so a bug fails instead of hanging.
/// </summary>
public class EventEmitterConcurrencyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly EventKey<int> Event = new("event");

    [Fact]
    public async Task OnOff_ManyThreadsWhileEmitting_FinalRegistrationsAreExact()
    {
        const int Threads = 4;
        const int PerThread = 250;
        var emitter = new EventEmitter { MaxListeners = 0 };
        var listeners = new Action<int>[Threads][];
        var calls = new int[Threads * PerThread];
        for (var t = 0; t < Threads; t++)
        {
            listeners[t] = new Action<int>[PerThread];
            for (var i = 0; i < PerThread; i++)
            {
                var slot = (t * PerThread) + i;
                listeners[t][i] = _ => Interlocked.Increment(ref calls[slot]);
            }
        }

        var writersDone = 0;
        var emits = 0;
        using var start = new ManualResetEventSlim();
        var writers = Enumerable.Range(0, Threads).Select(t => RunThread(start, () =>
        {
            foreach (var listener in listeners[t])
            {
                emitter.On(Event, listener);
            }

            for (var i = 0; i < PerThread; i += 2)
            {
                emitter.Off(Event, listeners[t][i]);
            }

            Interlocked.Increment(ref writersDone);
        })).ToList();
        var reader = RunThread(start, () =>
        {
            while (Volatile.Read(ref writersDone) < Threads)
            {
                emitter.Emit(Event, 1);
                emitter.ListenerCount(Event);
                emitter.EventNames();
                emits++;
            }
        });

        start.Set();
        await Task.WhenAll([.. writers, reader]).WaitAsync(Timeout);

        var expected = listeners.SelectMany(l => l.Where((_, i) => i % 2 == 1)).ToHashSet();
        Assert.Equal(Threads * PerThread / 2, emitter.ListenerCount(Event));
        Assert.True(expected.SetEquals(emitter.Listeners(Event)), "The remaining listeners are not the ones never removed.");

        Array.Clear(calls);
        emitter.Emit(Event, 1);
        for (var slot = 0; slot < calls.Length; slot++)
        {
            Assert.Equal(slot % 2, calls[slot]);
        }
    }

    [Fact]
    public async Task Once_ConcurrentEmitsFromManyThreads_RunsExactlyOnce()
    {
        const int Threads = 4;
        const int Rounds = 300;
        var emitters = new EventEmitter[Rounds];
        var calls = new int[Rounds];
        var removed = new int[Rounds];
        for (var r = 0; r < Rounds; r++)
        {
            var round = r;
            emitters[r] = new EventEmitter();
            emitters[r].Once(Event, _ => Interlocked.Increment(ref calls[round]));
            emitters[r].On(EventEmitter.RemoveListenerEvent, _ => Interlocked.Increment(ref removed[round]));
        }

        using var barrier = new Barrier(Threads);
        using var start = new ManualResetEventSlim();
        var threads = Enumerable.Range(0, Threads).Select(_ => RunThread(start, () =>
        {
            for (var r = 0; r < Rounds; r++)
            {
                if (!barrier.SignalAndWait(Timeout))
                {
                    throw new TimeoutException("The emitting threads lost each other at the barrier.");
                }

                emitters[r].Emit(Event, r);
            }
        })).ToArray();

        start.Set();
        await Task.WhenAll(threads).WaitAsync(Timeout);

        Assert.All(calls, c => Assert.Equal(1, c));
        Assert.All(removed, c => Assert.Equal(1, c));
        Assert.All(emitters, e => Assert.Equal(0, e.ListenerCount(Event)));
    }

    [Fact]
    public async Task Once_RegisteredWhileOtherThreadsEmit_EachRunsExactlyOnce()
    {
        const int Threads = 3;
        const int PerThread = 300;
        var emitter = new EventEmitter { MaxListeners = 0 };
        var calls = new int[Threads * PerThread];
        var writersDone = 0;
        using var start = new ManualResetEventSlim();
        var writers = Enumerable.Range(0, Threads).Select(t => RunThread(start, () =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                var slot = (t * PerThread) + i;
                emitter.Once(Event, _ => Interlocked.Increment(ref calls[slot]));
            }

            Interlocked.Increment(ref writersDone);
        })).ToList();
        var emitters = Enumerable.Range(0, 2).Select(_ => RunThread(start, () =>
        {
            while (Volatile.Read(ref writersDone) < Threads)
            {
                emitter.Emit(Event, 0);
            }
        }));

        start.Set();
        await Task.WhenAll([.. writers, .. emitters]).WaitAsync(Timeout);
        emitter.Emit(Event, 0);

        Assert.All(calls, c => Assert.Equal(1, c));
        Assert.Equal(0, emitter.ListenerCount(Event));
    }

    [Fact]
    public async Task Off_ConcurrentRemovalsOfOneDuplicatedListener_RemovesEachRegistrationOnce()
    {
        const int Threads = 4;
        const int Registrations = 2000;
        var emitter = new EventEmitter { MaxListeners = 0 };
        Action<int> listener = _ => { };
        var removedEvents = 0;
        for (var i = 0; i < Registrations; i++)
        {
            emitter.On(Event, listener);
        }

        emitter.On(EventEmitter.RemoveListenerEvent, _ => Interlocked.Increment(ref removedEvents));

        using var start = new ManualResetEventSlim();
        var threads = Enumerable.Range(0, Threads).Select(_ => RunThread(start, () =>
        {
            for (var i = 0; i < Registrations / Threads; i++)
            {
                emitter.Off(Event, listener);
            }
        })).ToArray();

        start.Set();
        await Task.WhenAll(threads).WaitAsync(Timeout);

        Assert.Equal(0, emitter.ListenerCount(Event));
        Assert.Equal(Registrations, removedEvents);
        Assert.DoesNotContain(Event, emitter.EventNames());
    }

    [Fact]
    public async Task Emit_WhileOtherKeysAreAddedAndRemoved_SteadyListenerSeesEveryEmit()
    {
        const int Emits = 50_000;
        var emitter = new EventEmitter();
        var received = 0;
        emitter.On(Event, _ => received++);
        var churnKeys = Enumerable.Range(0, 8).Select(i => new EventKey<int>("churn" + i)).ToArray();
        var emitting = 1;

        using var start = new ManualResetEventSlim();
        var churners = Enumerable.Range(0, 2).Select(t => RunThread(start, () =>
        {
            Action<int> listener = _ => { };
            while (Volatile.Read(ref emitting) == 1)
            {
                for (var k = t; k < churnKeys.Length; k += 2)
                {
                    emitter.On(churnKeys[k], listener);
                }

                for (var k = t; k < churnKeys.Length; k += 2)
                {
                    emitter.Off(churnKeys[k], listener);
                }
            }
        })).ToList();
        var reader = RunThread(start, () =>
        {
            try
            {
                for (var i = 0; i < Emits; i++)
                {
                    if (!emitter.Emit(Event, i))
                    {
                        throw new InvalidOperationException($"Emit {i} found no listener.");
                    }
                }
            }
            finally
            {
                Volatile.Write(ref emitting, 0);
            }
        });

        start.Set();
        await Task.WhenAll([.. churners, reader]).WaitAsync(Timeout);

        Assert.Equal(Emits, received);
        Assert.Equal<EventKey>([Event], emitter.EventNames());
    }

    private static Task RunThread(ManualResetEventSlim start, Action body) =>
        Task.Factory.StartNew(
            () =>
            {
                if (!start.Wait(Timeout))
                {
                    throw new TimeoutException("The start signal never came.");
                }

                body();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
}
