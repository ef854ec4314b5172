using System.Collections.Concurrent;
using System.Globalization;

namespace Handlers.Eventing.Tests.Reliability;

/// <summary>
/// Model-based test of <see cref="EventEmitter"/>: seeded random operation sequences run on the real emitter and on a small
/// reference model of Node's <c>EventEmitter</c> written here, compared after every step (listeners, counts, event names,
/// what each emit invoked, the newListener / removeListener / max-listener logs). Plus a multi-threaded run checked by
/// invariants.
/// </summary>
public sealed class EmitterModelTests
{
    private const int SequencesPerSeed = 50;
    private const int Steps = 200;
    private const int MaxListeners = 3;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RandomSequences_MatchTheNodeModelAfterEveryStep(int seed)
    {
        var log = new List<string>();
        var emitters = new ConcurrentDictionary<EventEmitter, byte>();
        void OnWarning(MaxListenersExceededWarning w)
        {
            if (emitters.ContainsKey(w.Emitter))
            {
                lock (log)
                {
                    log.Add($"warn:{w.EventKey.Name}:{w.Count}");
                }
            }
        }

        EventEmitter.MaxListenersExceeded += OnWarning;
        try
        {
            for (var sequence = 0; sequence < SequencesPerSeed; sequence++)
            {
                var emitter = new EventEmitter { MaxListeners = MaxListeners };
                emitters[emitter] = 0;
                try
                {
                    RunSequence(new Random((seed * 1000) + sequence), emitter, log, $"seed {seed}, sequence {sequence}");
                }
                finally
                {
                    emitters.TryRemove(emitter, out _);
                }
            }
        }
        finally
        {
            EventEmitter.MaxListenersExceeded -= OnWarning;
        }
    }

    private static void RunSequence(Random random, EventEmitter emitter, List<string> log, string where)
    {
        var a = new EventKey<int>("A");
        var b = new EventKey<int>("B");
        var c = new EventKey<int>("C");
        EventKey<int>[] keys = [a, b, c];
        var names = new Dictionary<Delegate, string>();
        var model = new Model(MaxListeners);

        // The listener pool: plain loggers, one that adds a listener during an emit and one that removes one.
        var pool = new List<(string Name, Func<Action<int>> Make)>();
        var loggers = new Loggers(log);
        Action<int> l0 = loggers.L0, l1 = loggers.L1, l2 = loggers.L2;
        pool.Add(("L0", () => l0));
        pool.Add(("L1", () => new Action<int>(loggers.L1))); // a new delegate each time, equal by Delegate.Equals
        pool.Add(("L2", () => l2));
        Action<int> adder = null!;
        Action<int> remover = null!;
        adder = x =>
        {
            log.Add($"inv:adder:{x}");
            emitter.On(b, l0);
        };
        remover = x =>
        {
            log.Add($"inv:remover:{x}");
            emitter.Off(a, l1);
        };
        pool.Add(("adder", () => adder));
        pool.Add(("remover", () => remover));
        names[l0] = "L0";
        names[l1] = "L1";
        names[l2] = "L2";
        names[adder] = "adder";
        names[remover] = "remover";

        Action<ListenerChange> newLog = change => log.Add($"new:{change.EventKey.Name}:{Name(names, change.Listener)}");
        Action<ListenerChange> removeLog = change => log.Add($"rem:{change.EventKey.Name}:{Name(names, change.Listener)}");
        names[newLog] = "newLog";
        names[removeLog] = "removeLog";

        // The model mirrors the two listeners that act on the emitter.
        model.Behaviours["adder"] = m => m.Add(b, "L0", once: false, prepend: false);
        model.Behaviours["remover"] = m => m.Off(a, "L1");

        void RestoreMeta()
        {
            if (emitter.ListenerCount(EventEmitter.NewListenerEvent) == 0)
            {
                model.Add(EventEmitter.NewListenerEvent, "newLog", once: false, prepend: false);
                emitter.On(EventEmitter.NewListenerEvent, newLog);
            }

            if (emitter.ListenerCount(EventEmitter.RemoveListenerEvent) == 0)
            {
                model.Add(EventEmitter.RemoveListenerEvent, "removeLog", once: false, prepend: false);
                emitter.On(EventEmitter.RemoveListenerEvent, removeLog);
            }
        }

        RestoreMeta();
        Check(emitter, model, names, keys, log, where, "setup", null, null);
        for (var step = 0; step < Steps; step++)
        {
            var key = keys[random.Next(keys.Length)];
            var (name, make) = pool[random.Next(pool.Count)];
            var roll = random.Next(100);
            string op;
            bool? real = null, expected = null;
            switch (roll)
            {
                case < 20:
                    op = $"On({key.Name}, {name})";
                    model.Add(key, name, once: false, prepend: false);
                    emitter.On(key, make());
                    break;
                case < 32:
                    op = $"Once({key.Name}, {name})";
                    model.Add(key, name, once: true, prepend: false);
                    emitter.Once(key, make());
                    break;
                case < 42:
                    op = $"PrependListener({key.Name}, {name})";
                    model.Add(key, name, once: false, prepend: true);
                    emitter.PrependListener(key, make());
                    break;
                case < 50:
                    op = $"PrependOnceListener({key.Name}, {name})";
                    model.Add(key, name, once: true, prepend: true);
                    emitter.PrependOnceListener(key, make());
                    break;
                case < 68:
                    op = $"Off({key.Name}, {name})";
                    model.Off(key, name);
                    emitter.Off(key, make());
                    break;
                case < 72:
                    op = $"RemoveAllListeners({key.Name})";
                    model.RemoveAll(key);
                    emitter.RemoveAllListeners(key);
                    break;
                case < 74:
                    // The meta keys too, now and then.
                    var meta = random.Next(2) == 0 ? (EventKey)EventEmitter.NewListenerEvent : EventEmitter.RemoveListenerEvent;
                    op = $"RemoveAllListeners({meta.Name})";
                    model.RemoveAll(meta);
                    emitter.RemoveAllListeners(meta);
                    break;
                case < 76:
                    op = "RemoveAllListeners()";
                    model.RemoveAll();
                    emitter.RemoveAllListeners();
                    break;
                case < 97:
                    op = $"Emit({key.Name}, {step})";
                    expected = model.Emit(key, step);
                    real = emitter.Emit(key, step);
                    break;
                default:
                    op = "RestoreMeta";
                    RestoreMeta();
                    break;
            }

            Check(emitter, model, names, keys, log, where, $"step {step}: {op}", real, expected);
        }
    }

    private static void Check(
        EventEmitter emitter, Model model, Dictionary<Delegate, string> names, EventKey<int>[] keys, List<string> log,
        string where, string op, bool? real, bool? expected)
    {
        var context = $"{where}, {op}";
        Assert.True(real == expected, $"{context}: Emit returned {real}, model {expected}");

        // The real emitter logged into `log` through its listeners; the model logged into its own list.
        Assert.True(model.Log.SequenceEqual(log), $"{context}: log{Environment.NewLine}real:  {string.Join(" ", log)}{Environment.NewLine}model: {string.Join(" ", model.Log)}");
        log.Clear();
        model.Log.Clear();

        var realNames = emitter.EventNames().Select(k => k.Name).ToArray();
        Assert.True(model.Order.Select(k => k.Name).SequenceEqual(realNames), $"{context}: EventNames real [{string.Join(",", realNames)}] model [{string.Join(",", model.Order.Select(k => k.Name))}]");

        foreach (var key in keys)
        {
            var listeners = emitter.Listeners(key).Select(d => Name(names, d)).ToArray();
            var modelListeners = model.Names(key);
            Assert.True(modelListeners.SequenceEqual(listeners), $"{context}: Listeners({key.Name}) real [{string.Join(",", listeners)}] model [{string.Join(",", modelListeners)}]");
            Assert.Equal(modelListeners.Length, emitter.ListenerCount(key));
            foreach (var (listener, name) in names)
            {
                if (listener is Action<int> action)
                {
                    Assert.True(
                        modelListeners.Count(n => n == name) == emitter.ListenerCount(key, action),
                        $"{context}: ListenerCount({key.Name}, {name})");
                }
            }
        }

        Assert.Equal(model.Names(EventEmitter.NewListenerEvent), emitter.Listeners(EventEmitter.NewListenerEvent).Select(d => Name(names, d)).ToArray());
        Assert.Equal(model.Names(EventEmitter.RemoveListenerEvent), emitter.Listeners(EventEmitter.RemoveListenerEvent).Select(d => Name(names, d)).ToArray());
    }

    private static string Name(Dictionary<Delegate, string> names, Delegate listener) =>
        names.TryGetValue(listener, out var name) ? name : $"?{listener.Method.Name}";

    [Fact]
    public async Task ManyThreads_RandomOperations_CountsStayConsistentAndOnceListenersRunAtMostOnce()
    {
        const int Threads = 4;
        const int OperationsPerThread = 20_000;
        var emitter = new EventEmitter { MaxListeners = 0 };
        EventKey<int>[] keys = [new("A"), new("B"), new("C")];
        var added = 0;
        var removed = 0;
        emitter.On(EventEmitter.NewListenerEvent, _ => Interlocked.Increment(ref added));
        emitter.On(EventEmitter.RemoveListenerEvent, _ => Interlocked.Increment(ref removed));
        var onceRegistered = new ConcurrentDictionary<int, EventKey<int>>();
        var onceInvocations = new ConcurrentDictionary<int, int>();
        var workers = new ThreadState[Threads];
        using var start = new Barrier(Threads);

        var tasks = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                var state = workers[t] = new ThreadState(t, keys.Length);
                var random = new Random(1000 + t);
                start.SignalAndWait(TimeSpan.FromSeconds(15));
                for (var i = 0; i < OperationsPerThread; i++)
                {
                    var k = random.Next(keys.Length);
                    var key = keys[k];
                    var d = random.Next(state.Listeners.Length);
                    switch (random.Next(10))
                    {
                        case 0 or 1:
                            emitter.On(key, state.Listeners[d]);
                            state.Expected[k, d]++;
                            state.Adds++;
                            break;
                        case 2:
                            emitter.PrependListener(key, state.Listeners[d]);
                            state.Expected[k, d]++;
                            state.Adds++;
                            break;
                        case 3:
                        {
                            // Each once-registration is a distinct delegate, so its invocations can be counted.
                            var id = (t * OperationsPerThread) + i;
                            onceRegistered[id] = key;
                            Action<int> once = _ => onceInvocations.AddOrUpdate(id, 1, static (_, n) => n + 1);
                            if (random.Next(2) == 0)
                            {
                                emitter.Once(key, once);
                            }
                            else
                            {
                                emitter.PrependOnceListener(key, once);
                            }

                            state.Adds++;
                            break;
                        }

                        case 4 or 5:
                            emitter.Off(key, state.Listeners[d]);
                            if (state.Expected[k, d] > 0)
                            {
                                state.Expected[k, d]--;
                                state.Offs++;
                            }

                            break;
                        default:
                            emitter.Emit(key, i);
                            break;
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();

        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));

        // Each once-listener ran at most once; the ones that did not run are still registered, the others are not.
        Assert.All(onceInvocations, pair => Assert.Equal(1, pair.Value));
        var remainingOnce = onceRegistered.Count - onceInvocations.Count;
        for (var k = 0; k < keys.Length; k++)
        {
            var persistent = 0;
            foreach (var state in workers)
            {
                for (var d = 0; d < state.Listeners.Length; d++)
                {
                    Assert.Equal(state.Expected[k, d], emitter.ListenerCount(keys[k], state.Listeners[d]));
                    persistent += state.Expected[k, d];
                }
            }

            var stillOnce = onceRegistered.Count(p => p.Value == keys[k] && !onceInvocations.ContainsKey(p.Key));
            Assert.Equal(persistent + stillOnce, emitter.ListenerCount(keys[k]));
            Assert.Equal(emitter.ListenerCount(keys[k]), emitter.Listeners(keys[k]).Count);
        }

        // Every add raised newListener once; every successful Off and every once-listener that ran raised removeListener once.
        Assert.Equal(workers.Sum(s => s.Adds) + 1, added); // + the removeListener logger added after the newListener one
        Assert.Equal(workers.Sum(s => s.Offs) + onceInvocations.Count, removed);
        Assert.True(remainingOnce >= 0);
    }

    private sealed class ThreadState
    {
        public ThreadState(int thread, int keys)
        {
            Listeners = new Action<int>[3];
            for (var i = 0; i < Listeners.Length; i++)
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"t{thread}-l{i}");
                Listeners[i] = new ListenerTarget(id).Invoke;
            }

            Expected = new int[keys, Listeners.Length];
        }

        public Action<int>[] Listeners { get; }

        public int[,] Expected { get; }

        public int Adds { get; set; }

        public int Offs { get; set; }
    }

    private sealed class ListenerTarget(string id)
    {
        public int Calls;

        public void Invoke(int value) => Interlocked.Increment(ref Calls);

        public override string ToString() => id;
    }

    private sealed class Loggers(List<string> log)
    {
        public void L0(int x) => log.Add($"inv:L0:{x}");

        public void L1(int x) => log.Add($"inv:L1:{x}");

        public void L2(int x) => log.Add($"inv:L2:{x}");
    }

    /// <summary>
    /// Node's EventEmitter, reduced to what the test needs: a list per key of (listener, once) entries, keys in
    /// first-registration order and deleted when emptied, emit over a snapshot with once entries removed before they run,
    /// Off removing the last match, newListener before an add, removeListener after a removal, one max-listener warning per
    /// key while it has listeners.
    /// </summary>
    private sealed class Model(int maxListeners)
    {
        private readonly Dictionary<EventKey, List<Entry>> _lists = [];
        private readonly HashSet<EventKey> _warned = [];

        public List<string> Log { get; } = [];

        public List<EventKey> Order { get; } = [];

        public Dictionary<string, Action<Model>> Behaviours { get; } = [];

        public string[] Names(EventKey key) => _lists.TryGetValue(key, out var list) ? [.. list.Select(e => e.Name)] : [];

        public void Add(EventKey key, string name, bool once, bool prepend)
        {
            EmitMeta(EventEmitter.NewListenerEvent, key, name);
            if (!_lists.TryGetValue(key, out var list))
            {
                _lists[key] = list = [];
                Order.Add(key);
            }

            var entry = new Entry(name, once);
            if (prepend)
            {
                list.Insert(0, entry);
            }
            else
            {
                list.Add(entry);
            }

            if (maxListeners > 0 && list.Count > maxListeners && _warned.Add(key))
            {
                Log.Add($"warn:{key.Name}:{list.Count}");
            }
        }

        public void Off(EventKey key, string name)
        {
            if (!_lists.TryGetValue(key, out var list))
            {
                return;
            }

            var index = list.FindLastIndex(e => e.Name == name);
            if (index >= 0)
            {
                Remove(key, list[index]);
            }
        }

        public void RemoveAll(EventKey key)
        {
            if (!_lists.TryGetValue(key, out var list))
            {
                return;
            }

            if (!HasListeners(EventEmitter.RemoveListenerEvent))
            {
                Drop(key);
                return;
            }

            var snapshot = list.ToArray();
            for (var i = snapshot.Length - 1; i >= 0; i--)
            {
                Remove(key, snapshot[i]);
            }
        }

        public void RemoveAll()
        {
            if (HasListeners(EventEmitter.RemoveListenerEvent))
            {
                foreach (var key in Order.ToArray())
                {
                    if (key != EventEmitter.RemoveListenerEvent)
                    {
                        RemoveAll(key);
                    }
                }

                RemoveAll(EventEmitter.RemoveListenerEvent);
            }

            foreach (var key in Order.ToArray())
            {
                Drop(key);
            }
        }

        public bool Emit(EventKey<int> key, int value)
        {
            if (!_lists.TryGetValue(key, out var list) || list.Count == 0)
            {
                return false;
            }

            foreach (var entry in list.ToArray())
            {
                if (entry.Once)
                {
                    // Removed, then invoked; an entry removed meanwhile by an Off still runs in this emit (snapshot).
                    if (_lists.TryGetValue(key, out var current) && current.Contains(entry))
                    {
                        Remove(key, entry);
                    }
                }

                // The real listeners log their invocation into the real log; the model logs the same line into its own.
                Log.Add($"inv:{entry.Name}:{value}");
                if (Behaviours.TryGetValue(entry.Name, out var behaviour))
                {
                    behaviour(this);
                }
            }

            return true;
        }

        private bool HasListeners(EventKey key) => _lists.TryGetValue(key, out var list) && list.Count > 0;

        private void Remove(EventKey key, Entry entry)
        {
            var list = _lists[key];
            list.Remove(entry);
            if (list.Count == 0)
            {
                Drop(key);
            }

            EmitMeta(EventEmitter.RemoveListenerEvent, key, entry.Name);
        }

        private void Drop(EventKey key)
        {
            _lists.Remove(key);
            _warned.Remove(key);
            Order.Remove(key);
        }

        private void EmitMeta(EventKey metaKey, EventKey key, string name)
        {
            if (!_lists.TryGetValue(metaKey, out var list))
            {
                return;
            }

            var prefix = metaKey == EventEmitter.NewListenerEvent ? "new" : "rem";
            foreach (var _ in list.ToArray())
            {
                Log.Add($"{prefix}:{key.Name}:{name}");
            }
        }

        /// <summary>An entry is identified by its instance (two registrations of one delegate are two entries).</summary>
        private sealed class Entry(string name, bool once)
        {
            public string Name => name;

            public bool Once => once;
        }
    }
}
