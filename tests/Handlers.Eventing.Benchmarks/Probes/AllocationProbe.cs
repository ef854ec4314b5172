using System.Diagnostics.Tracing;
using System.Globalization;
using Handlers.Eventing.Benchmarks.Infrastructure;
using Handlers.Eventing.Benchmarks.Logging;
using Handlers.Eventing.Benchmarks.Loopback;

namespace Handlers.Eventing.Benchmarks.Probes;

/// <summary>
/// Where the bytes of a call go: <c>GetAsync</c> of a 1 KiB body over an in-memory handler (it completes synchronously, so the
/// calling thread's allocation counter is exact), bare, with an <see cref="EventingHandler"/> and no listener, and with every
/// event listened; then, for each, the allocated types sampled by the runtime's allocation tick (one sample per ≈ 100 KB),
/// scaled to bytes per call, as the difference against the bare client. Run with <c>-- alloc [calls]</c>.
/// </summary>
internal static class AllocationProbe
{
    private static readonly byte[] s_body = new byte[1024];
    private static readonly Uri s_uri = new("http://localhost/item");

    public static int Run(string[] args)
    {
        var calls = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
        static HttpContent Body(HttpRequestMessage _) => new ByteArrayContent(s_body);
        using var bare = new HttpClient(new InMemoryHandler(Body));
        using var noListeners = new HttpClient(new EventingHandler(new InMemoryHandler(Body)));
        using var everyEvent = new HttpClient(new EventingHandler(new InMemoryHandler(Body), PerCallFamily.EveryEventListened()));
        using var timings = new HttpClient(new EventingHandler(new InMemoryHandler(Body), new EventingOptions { CollectTimings = true }));
        var variants = new (string Name, HttpClient Client)[] { ("bare", bare), ("no listener", noListeners), ("every event listened", everyEvent) };

        var exact = new Dictionary<string, double>();
        foreach (var (name, client) in variants)
        {
            Calls(client, 1000);
            var before = GC.GetAllocatedBytesForCurrentThread();
            Calls(client, 10_000);
            exact[name] = (GC.GetAllocatedBytesForCurrentThread() - before) / 10_000.0;
        }

        var sampled = new Dictionary<string, Dictionary<string, double>>();
        foreach (var (name, client) in variants)
        {
            using var listener = new AllocationTickListener();
            Calls(client, calls);
            sampled[name] = listener.BytesByType.ToDictionary(p => p.Key, p => (double)p.Value / calls);
        }

        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"Bytes per call (exact, calling thread): {string.Join(", ", exact.Select(p => $"{p.Key} {p.Value:0} B"))}"));

        // Lifecycle logging against the factory's default logging, same formatting provider at Information (LoggingClients).
        using (var logging = new LoggingClients(static () => new InMemoryHandler(static _ => new ByteArrayContent(s_body))))
        {
            var perClient = new Dictionary<string, double>();
            foreach (var (name, client) in logging.Clients)
            {
                Calls(client, 1000);
                var before = GC.GetAllocatedBytesForCurrentThread();
                Calls(client, 10_000);
                perClient[name] = (GC.GetAllocatedBytesForCurrentThread() - before) / 10_000.0;
            }

            var none = perClient[LoggingClients.None];
            Console.WriteLine(string.Create(c,
                $"Logging, bytes per call over the factory client without logging ({none:0} B): factory default logging {perClient[LoggingClients.FactoryLogging] - none:+0} B, " +
                $"AddEventing + LogLifecycle {perClient[LoggingClients.LogLifecycle] - none:+0} B (AddEventing alone {perClient[LoggingClients.EventingOnly] - none:+0} B, " +
                $"so the logging itself {perClient[LoggingClients.LogLifecycle] - perClient[LoggingClients.EventingOnly]:+0} B)"));
        }
        foreach (var (name, _) in variants.Skip(1))
        {
            Console.WriteLine();
            Console.WriteLine(string.Create(c, $"{name}: +{exact[name] - exact["bare"]:0} B per call over bare; sampled types, bytes per call over bare (≈, from {calls} calls):"));
            var types = sampled[name].Keys.Union(sampled["bare"].Keys);
            foreach (var (type, extra) in types
                .Select(t => (t, sampled[name].GetValueOrDefault(t) - sampled["bare"].GetValueOrDefault(t)))
                .Where(p => Math.Abs(p.Item2) >= 8)
                .OrderByDescending(p => p.Item2))
            {
                Console.WriteLine(string.Create(c, $"  {extra,7:+0;-0} B  {type}"));
            }
        }

        // Last: timings turn the runtime's HTTP events on for the whole process (for minutes), which every later call pays.
        Calls(timings, 1000);
        var beforeTimed = GC.GetAllocatedBytesForCurrentThread();
        Calls(timings, 10_000);
        var timed = (GC.GetAllocatedBytesForCurrentThread() - beforeTimed) / 10_000.0;
        var beforeBare = GC.GetAllocatedBytesForCurrentThread();
        Calls(bare, 10_000);
        var bareWhileTimed = (GC.GetAllocatedBytesForCurrentThread() - beforeBare) / 10_000.0;
        Console.WriteLine(string.Create(c,
            $"CollectTimings, no listener: {timed:0} B per call (+{timed - exact["bare"]:0} B over bare); meanwhile a bare call of another client: {bareWhileTimed:0} B (+{bareWhileTimed - exact["bare"]:0} B)"));
        return 0;
    }

    private static void Calls(HttpClient client, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var task = client.GetAsync(s_uri);
            if (!task.IsCompleted)
            {
                throw new InvalidOperationException("The in-memory call did not complete synchronously; the per-thread counter would miss bytes.");
            }

            task.Result.Dispose();
        }
    }

    /// <summary>Collects the runtime's GCAllocationTick events (type name, bytes since the previous tick) of this process.</summary>
    private sealed class AllocationTickListener : EventListener
    {
        private readonly Dictionary<string, long> _bytesByType = [];
        private readonly Lock _lock = new();

        public Dictionary<string, long> BytesByType
        {
            get
            {
                lock (_lock)
                {
                    return new Dictionary<string, long>(_bytesByType);
                }
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.PayloadNames is null)
            {
                return;
            }

            var type = eventData.Payload![eventData.PayloadNames.IndexOf("TypeName")] as string ?? "?";
            var amount = Convert.ToInt64(eventData.Payload[eventData.PayloadNames.IndexOf("AllocationAmount")], CultureInfo.InvariantCulture);
            lock (_lock)
            {
                _bytesByType[type] = _bytesByType.GetValueOrDefault(type) + amount;
            }
        }
    }
}
