using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Handlers.Eventing.Tests.Reliability;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection
{
    public const string Name = "Soak (runs alone)";
}

/// <summary>
/// Thousands of calls, 32 in flight, a seeded random mix of outcomes and consumption modes against the Kestrel fixture
/// through the factory pipeline with Microsoft.Extensions.Http.Resilience: no terminal event is lost or duplicated, and finished calls and their listeners
/// are collectable while the factory (its pooled handlers) and the library's static state are still alive.
/// </summary>
[Collection(SoakCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    private const int Calls = 5000;
    private const int InFlight = 32;
    private const int Seed = 20240607;
    private const int SampleEvery = 20;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PerCall = TimeSpan.FromSeconds(15);

    public enum Scenario
    {
        OkSmall,
        OkMedium,
        NotFound,
        Flaky500Retried,
        ResetMidBody,
        AbortMidBody,
        AbortRacingTheBody,
        CancelMidBody,
        DisposedUnread,
        ListenerThrowsInHttpData,
        ListenerThrowsInSuccess,
    }

    public enum Mode
    {
        Buffered,
        HeadersReadStream,
        HeadersReadCopy,
        AwsCall,
        SyncSend,
    }

    [Fact]
    public async Task Soak_SeededMix_EveryCallEndsExactlyOnceAndFinishedCallsAreCollectable()
    {
        var server = await LoopbackServer.Shared;
        var services = new ServiceCollection();
        services.AddHttpClient("soak")
            // SocketsHttpHandler drains an abandoned response (aborted, cancelled, faulted by a listener) for up to
            // ResponseDrainTimeout (2 s) to reuse the connection, and holds the request (so the call) while it does: a bounded
            // retention of the transport, with or without eventing. No draining, so the leak check below needs no waiting.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { MaxResponseDrainSize = 0 })
            .AddEventing().AddTestRetry(maxRetryAttempts: 2);
        await using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IHttpClientFactory>();
        var plan = Plan(Seed, Calls);
        var stats = new Stats(Calls);
        var sample = new List<WeakReference>();

        var stopwatch = Stopwatch.StartNew();
        await RunAllAsync(server, factory, plan, stats, sample).WaitAsync(Budget);
        stopwatch.Stop();

        var problems = new List<string>();
        for (var i = 0; i < Calls; i++)
        {
            var expected = ExpectedTerminal(plan[i].Scenario, plan[i].Mode);
            if (stats.Terminal[i] != 1 || stats.Complete[i] != 1 || stats.OutOfOrder[i] != 0 || (expected != 0 && stats.Kind[i] != expected))
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"#{i} {plan[i]}: success+error={stats.Terminal[i]} complete={stats.Complete[i]} outOfOrder={stats.OutOfOrder[i]} terminal={stats.Kind[i]} (expected {expected})"));
            }
        }

        Assert.True(problems.Count == 0, $"{problems.Count} calls broke exactly-once:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(20))}");

        // Finished calls and their listeners must not be kept alive by the pooled handler pipeline or by static state: the
        // provider (and so the factory's active handlers) is still alive here.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var alive = sample.Where(w => w.IsAlive).Select(w => w.Target switch
        {
            HttpCall c => $"call {c.Request.RequestUri!.PathAndQuery} {c.Response}",
            var t => $"listener target {t}",
        }).ToList();
        Assert.True(alive.Count == 0, $"{alive.Count} of {sample.Count} sampled calls/listeners are still reachable after the calls finished:{Environment.NewLine}{string.Join(Environment.NewLine, alive.Take(40))}");
        GC.KeepAlive(factory);

        var faults = plan.Count(p => p.Scenario is not (Scenario.OkSmall or Scenario.OkMedium));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Calls} calls, {InFlight} in flight, seed {Seed}: {faults} faults injected, {stopwatch.Elapsed.TotalSeconds:F1} s, " +
            $"0 lost or duplicated terminal events, {sample.Count} weak references (calls + listener targets) all collected"));
        foreach (var group in plan.GroupBy(p => p.Scenario).OrderBy(g => g.Key))
        {
            output.WriteLine($"  {group.Key}: {group.Count()} ({string.Join(", ", group.GroupBy(p => p.Mode).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))})");
        }
    }

    /// <summary>The seeded plan: a scenario and a consumption mode per call, remapped where the pair is meaningless.</summary>
    internal static (Scenario Scenario, Mode Mode)[] Plan(int seed, int count)
    {
        (Scenario, int)[] scenarios =
        [
            (Scenario.OkSmall, 20), (Scenario.OkMedium, 15), (Scenario.NotFound, 10), (Scenario.Flaky500Retried, 10),
            (Scenario.ResetMidBody, 8), (Scenario.AbortMidBody, 8), (Scenario.AbortRacingTheBody, 6), (Scenario.CancelMidBody, 8), (Scenario.DisposedUnread, 8),
            (Scenario.ListenerThrowsInHttpData, 7), (Scenario.ListenerThrowsInSuccess, 6),
        ];
        (Mode, int)[] modes = [(Mode.Buffered, 25), (Mode.HeadersReadStream, 25), (Mode.HeadersReadCopy, 20), (Mode.AwsCall, 20), (Mode.SyncSend, 10)];
        var random = new Random(seed);
        var plan = new (Scenario, Mode)[count];
        for (var i = 0; i < count; i++)
        {
            var scenario = Pick(random, scenarios);
            var mode = Pick(random, modes);
            mode = (scenario, mode) switch
            {
                // As in the fault matrix: nothing unread to dispose when the body is read for the caller, and a sync read
                // takes no token.
                (Scenario.DisposedUnread, Mode.Buffered) => Mode.HeadersReadStream,
                (Scenario.DisposedUnread, Mode.AwsCall) => Mode.HeadersReadCopy,
                (Scenario.CancelMidBody, Mode.SyncSend) => Mode.HeadersReadStream,
                _ => mode,
            };
            plan[i] = (scenario, mode);
        }

        return plan;
    }

    private static T Pick<T>(Random random, (T Value, int Weight)[] weighted)
    {
        var roll = random.Next(weighted.Sum(w => w.Weight));
        foreach (var (value, weight) in weighted)
        {
            if (roll < weight)
            {
                return value;
            }

            roll -= weight;
        }

        throw new InvalidOperationException("unreachable");
    }

    private static int ExpectedTerminal(Scenario scenario, Mode mode) => scenario switch
    {
        // Abort from another thread races the body: either may win, but the call still ends exactly once.
        Scenario.AbortRacingTheBody => 0,
        Scenario.OkSmall or Scenario.OkMedium or Scenario.Flaky500Retried or Scenario.ListenerThrowsInSuccess => Stats.Success,
        _ => Stats.Error,
    };

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Task RunAllAsync(LoopbackServer server, IHttpClientFactory factory, (Scenario, Mode)[] plan, Stats stats, List<WeakReference> sample) =>
        Parallel.ForEachAsync(
            Enumerable.Range(0, plan.Length),
            new ParallelOptions { MaxDegreeOfParallelism = InFlight },
            async (index, _) =>
            {
                var client = factory.CreateClient("soak");
                await RunOneAsync(server, client, index, plan[index], stats, index % SampleEvery == 0 ? sample : null).WaitAsync(PerCall);
            });

    private static async Task RunOneAsync(LoopbackServer server, HttpClient client, int index, (Scenario Scenario, Mode Mode) step, Stats stats, List<WeakReference>? sample)
    {
        var key = LoopbackServer.NewKey();
        using var cts = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(server, step.Scenario, key));
        var call = step.Mode == Mode.AwsCall ? client.CreateCall(request) : HttpCall.For(request);
        var tracker = new Tracker(stats, index, call, cts, server, key);
        call.On(HttpEvents.Success, tracker.OnSuccess).On(HttpEvents.Error, tracker.OnError).On(HttpEvents.Complete, tracker.OnComplete);
        switch (step.Scenario)
        {
            case Scenario.ResetMidBody:
                call.Once(HttpEvents.HttpData, tracker.SignalReset);
                break;
            case Scenario.AbortMidBody:
                call.Once(HttpEvents.HttpData, tracker.Abort);
                break;
            case Scenario.AbortRacingTheBody:
                call.Once(HttpEvents.HttpHeaders, tracker.AbortFromAnotherThread);
                break;
            case Scenario.CancelMidBody:
                call.Once(HttpEvents.HttpData, tracker.Cancel);
                break;
            case Scenario.ListenerThrowsInHttpData:
                call.On(HttpEvents.HttpData, tracker.Throw);
                break;
            case Scenario.ListenerThrowsInSuccess:
                call.On(HttpEvents.Success, tracker.Throw);
                break;
        }

        if (sample is not null)
        {
            lock (sample)
            {
                sample.Add(new WeakReference(call));
                sample.Add(new WeakReference(tracker));
            }
        }

        try
        {
            await ConsumeAsync(step.Mode, client, request, call, cts.Token, step.Scenario == Scenario.DisposedUnread);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or SoakListenerException)
        {
            // Expected for the fault scenarios; the terminal events are what this test counts.
        }

        await call.Completion.WaitAsync(PerCall);
    }

    private static Uri Url(LoopbackServer server, Scenario scenario, string key) => scenario switch
    {
        Scenario.OkSmall or Scenario.ListenerThrowsInSuccess => server.Url("bytes/1000"),
        Scenario.OkMedium or Scenario.ListenerThrowsInHttpData or Scenario.DisposedUnread or Scenario.AbortRacingTheBody => server.Url("bytes/64000"),
        Scenario.NotFound => server.Url("status/404?body=missing"),
        Scenario.Flaky500Retried => server.Url($"flaky/{key}?failures=1&status=500&n=2000"),
        Scenario.ResetMidBody => server.Url($"reset/50000?after=8000&key={key}"),
        Scenario.AbortMidBody or Scenario.CancelMidBody => server.Url("hang-body/50000?send=8000"),
        _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
    };

    private static async Task ConsumeAsync(Mode mode, HttpClient client, HttpRequestMessage request, HttpCall call, CancellationToken token, bool disposeUnread)
    {
        var buffer = new byte[16 * 1024];
        switch (mode)
        {
            case Mode.Buffered:
                (await client.SendAsync(request, token)).Dispose();
                break;
            case Mode.AwsCall:
                await call.SendAsync(token);
                call.Response.HttpResponse?.Dispose();
                break;
            case Mode.SyncSend:
                await Task.Factory.StartNew(
                    () =>
                    {
                        using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead, token);
                        if (!disposeUnread)
                        {
                            using var stream = response.Content.ReadAsStream(token);
                            while (stream.Read(buffer) > 0)
                            {
                            }
                        }
                    },
                    CancellationToken.None,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default);
                break;
            default:
                using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token))
                {
                    if (disposeUnread)
                    {
                        break;
                    }

                    if (mode == Mode.HeadersReadCopy)
                    {
                        await response.Content.CopyToAsync(Stream.Null, token);
                        break;
                    }

                    await using var stream = await response.Content.ReadAsStreamAsync(token);
                    while (await stream.ReadAsync(buffer, token) > 0)
                    {
                    }
                }

                break;
        }
    }

    private sealed class Stats(int count)
    {
        public const int Success = 1;
        public const int Error = 2;

        public int[] Terminal { get; } = new int[count];

        public int[] Complete { get; } = new int[count];

        public int[] OutOfOrder { get; } = new int[count];

        public int[] Kind { get; } = new int[count];
    }

    /// <summary>Every listener of a call is a method of its tracker, so the tracker is the listeners' target to watch for leaks.</summary>
    private sealed class Tracker(Stats stats, int index, HttpCall call, CancellationTokenSource cts, LoopbackServer server, string key)
    {
        public override string ToString() => $"#{index}";

        public void OnSuccess(HttpCallResponse response) => OnTerminal(Stats.Success);

        public void OnError(HttpCallResponse response) => OnTerminal(Stats.Error);

        public void OnComplete(HttpCallResponse response)
        {
            if (Volatile.Read(ref stats.Terminal[index]) != 1 || !response.Call.IsFinished)
            {
                Interlocked.Increment(ref stats.OutOfOrder[index]);
            }

            Interlocked.Increment(ref stats.Complete[index]);
        }

        public void SignalReset(HttpDataEvent e) => server.Signal(key);

        public void Abort(HttpDataEvent e) => call.Abort();

        public void AbortFromAnotherThread(HttpHeadersEvent e) => ThreadPool.UnsafeQueueUserWorkItem(static c => c.Abort(), call, preferLocal: false);

        public void Cancel(HttpDataEvent e) => cts.Cancel();

        public void Throw(HttpDataEvent e) => throw new SoakListenerException();

        public void Throw(HttpCallResponse e) => throw new SoakListenerException();

        private void OnTerminal(int kind)
        {
            if (Volatile.Read(ref stats.Complete[index]) != 0)
            {
                Interlocked.Increment(ref stats.OutOfOrder[index]);
            }

            Interlocked.Increment(ref stats.Terminal[index]);
            stats.Kind[index] = kind;
        }
    }

    private sealed class SoakListenerException() : Exception("listener thrown on purpose");
}
