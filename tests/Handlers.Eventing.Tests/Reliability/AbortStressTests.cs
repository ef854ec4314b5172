using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Xunit.Abstractions;

namespace Handlers.Eventing.Tests.Reliability;

/// <summary>
/// Issue 19, "Also": <see cref="HttpCall.Abort"/> at seeded random moments (before send, inside <c>httpHeaders</c>, inside
/// <c>httpData</c>, after the last byte, and from another thread at any moment) × {a hand-built <see cref="EventingHandler"/>,
/// <c>AddStandardResilienceHandler</c>, <c>AddStandardHedgingHandler</c>} × {HTTP/1.1, h2c} × {buffered, streamed,
/// <c>CreateCall().SendAsync()</c>} × bodies of several sizes (0 bytes with <c>Content-Length: 0</c>, chunked and not), against
/// the Kestrel fixture. Every call ends exactly once, <c>complete</c> last, its listeners never overlap, and the caller's view
/// (bytes or exception) agrees with the outcome the listeners saw; no task exception goes unobserved.
/// </summary>
/// <remarks>
/// The seed is printed; replay one with <c>HANDLERS_STRESS_SEED=n</c> (and one iteration of it with
/// <c>HANDLERS_STRESS_ONLY=i</c>). The thread that aborts "anywhere" waits for a real signal (the send started, the headers,
/// the k-th chunk, <c>httpDone</c>, or the call's completion when that signal never comes), then a random spin or a random
/// number of yields; nothing sleeps.
/// </remarks>
[Collection(SoakCollection.Name)]
public sealed class AbortStressTests(ITestOutputHelper output)
{
    private const int FixedSeed = 19_0419;
    private const int Iterations = 6000;
    private const int RandomSeedIterations = 1000;
    private const int InFlight = 8;
    private const int ExamplesPerKind = 3;
    private const string SeedVariable = "HANDLERS_STRESS_SEED";
    private const string OnlyVariable = "HANDLERS_STRESS_ONLY";
    private static readonly TimeSpan PerCall = TestTimeouts.Default;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(50);
    private static readonly int[] s_sizes = [0, 1, 1000, 16 * 1024 + 1, 64_000, 300_000];
    private static readonly int[] s_serverChunks = [1024, 4096, 16 * 1024];

    public enum Pipeline
    {
        /// <summary><c>new HttpClient(new EventingHandler(new SocketsHttpHandler()))</c>.</summary>
        Plain,

        /// <summary><c>AddHttpClient().AddEventing().AddStandardResilienceHandler()</c>, or the other order.</summary>
        Resilience,

        /// <summary><c>AddHttpClient().AddEventing().AddStandardHedgingHandler()</c> (hedging after 1 ms), or the other order.</summary>
        Hedging,
    }

    public enum Style
    {
        /// <summary><c>client.SendAsync(request)</c> (ResponseContentRead: HttpClient buffers), then ReadAsByteArrayAsync.</summary>
        Buffered,

        /// <summary>ResponseHeadersRead, then ReadAsStreamAsync and ReadAsync until it returns 0.</summary>
        Stream,

        /// <summary><c>client.CreateCall(request).SendAsync()</c>: the bytes come through <c>httpData</c>.</summary>
        AwsCall,
    }

    public enum Moment
    {
        /// <summary>Abort() before the request is sent.</summary>
        BeforeSend,

        /// <summary>Abort() inside the first <c>httpHeaders</c> listener.</summary>
        InHttpHeaders,

        /// <summary>Abort() inside the k-th <c>httpData</c> listener.</summary>
        InHttpData,

        /// <summary>Abort() inside <c>httpDone</c>: after the last byte, before <c>success</c>.</summary>
        InHttpDone,

        /// <summary>Abort() after the caller read everything (after the 0-read, after a buffered send, after SendAsync).</summary>
        AfterCallerReadAll,

        /// <summary>Stream only, Content-Length known: Abort() after exactly Content-Length bytes were read, before the 0-read.</summary>
        AfterLastByteBeforeEof,

        /// <summary>Abort() from another thread after a real signal, then a random spin or random number of yields.</summary>
        Anywhere,
    }

    /// <summary>The real signal the thread that aborts "anywhere" waits for.</summary>
    public enum Signal
    {
        SendStarted,
        Headers,
        Chunk,
        HttpDone,
    }

    [Fact]
    public async Task AbortStress_FixedSeed_EveryCallEndsOnceAndTheCallerAgreesWithTheOutcome()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : FixedSeed;
        await RunAsync(seed, Iterations);
    }

    [Fact]
    public async Task AbortStress_RandomSeed_EveryCallEndsOnceAndTheCallerAgreesWithTheOutcome()
    {
        await RunAsync(Random.Shared.Next(), RandomSeedIterations);
    }

    /// <summary>The seeded plan of one call.</summary>
    internal sealed record Step(
        int Index,
        Pipeline Pipeline,
        bool EventingFirst,
        bool Http2,
        Style Style,
        int Size,
        bool Chunked,
        int ServerChunk,
        int ReadBuffer,
        Moment Moment,
        Signal Signal,
        int ChunkNumber,
        int Spins,
        int Yields,
        int? StallAfter = null,
        int? CutAt = null)
    {
        /// <summary>How long a stalled body waits for a byte before it fails (issue 23), on the real clock.</summary>
        public static readonly TimeSpan StallTimeout = TimeSpan.FromMilliseconds(50);

        public string PathAndQuery => StallAfter is { } sent
            ? string.Create(CultureInfo.InvariantCulture, $"correctness/stall/{Size}?send={sent}")
            : string.Create(CultureInfo.InvariantCulture, $"bytes/{Size}?chunk={ServerChunk}{(Chunked ? "&chunked=true" : "")}");

        public override string ToString()
        {
            var moment = Moment switch
            {
                Moment.InHttpData => $"InHttpData(chunk #{ChunkNumber})",
                Moment.Anywhere => $"Anywhere(after {Signal}{(Signal == Signal.Chunk ? $" #{ChunkNumber}" : "")}, then {(Spins > 0 ? $"SpinWait({Spins})" : $"{Yields} yields")})",
                _ => Moment.ToString(),
            };
            var order = Pipeline == Pipeline.Plain ? "" : EventingFirst ? " (AddEventing first)" : " (AddEventing last)";
            var body = StallAfter is { } sent ? $"stalls after {sent} B"
                : CutAt is { } cut ? $"cut after {cut} B, resumed"
                : $"server chunk {ServerChunk}";
            return string.Create(
                CultureInfo.InvariantCulture,
                $"#{Index} {Pipeline}{order} {(Http2 ? "h2c" : "HTTP/1.1")} {Style} {Size} B {(Chunked ? "chunked" : "Content-Length")} ({body}, read buffer {ReadBuffer}) abort {moment}");
        }
    }

    internal static Step[] Plan(int seed, int count)
    {
        var random = new Random(seed);
        var plan = new Step[count];
        for (var i = 0; i < count; i++)
        {
            var pipeline = (Pipeline)random.Next(3);
            var eventingFirst = random.Next(2) == 0;
            var http2 = random.Next(2) == 0;
            var style = (Style)random.Next(3);
            var size = s_sizes[random.Next(s_sizes.Length)];
            var chunked = size > 0 && random.Next(4) == 0;
            var serverChunk = s_serverChunks[random.Next(s_serverChunks.Length)];
            var readBuffer = random.Next(3) switch { 0 => 512, 1 => 8192, _ => 81920 };
            var moment = (Moment)random.Next(Enum.GetValues<Moment>().Length);
            if (moment == Moment.AfterLastByteBeforeEof && (style != Style.Stream || chunked))
            {
                // Only a streamed read with a known length can stop at the last byte without reading the end.
                moment = Moment.AfterCallerReadAll;
            }

            var signal = (Signal)random.Next(Enum.GetValues<Signal>().Length);
            var chunkNumber = 1 + random.Next(6);
            var spins = random.Next(2) == 0 ? random.Next(1, 20_000) : 0;
            var yields = random.Next(0, 8);

            // One call in ten has a body that stalls part-way (a Content-Length it never completes) and an idle timeout:
            // the stall races the abort of the step's moment.
            int? stallAfter = size > 0 && random.Next(10) == 0 ? random.Next(size) : null;
            // One call in ten of the others has a body whose connection is cut part-way and that the library resumes with
            // Range (issue 25): the resume races the abort, and the caller must get every byte or the call's error.
            int? cutAt = stallAfter is null && size > 1 && random.Next(10) == 0 ? 1 + random.Next(size - 1) : null;
            if (stallAfter is not null || cutAt is not null)
            {
                chunked = false;
            }

            plan[i] = new Step(i, pipeline, eventingFirst, http2, style, size, chunked, serverChunk, readBuffer, moment, signal, chunkNumber, spins, yields, stallAfter, cutAt);
        }

        return plan;
    }

    private async Task RunAsync(int seed, int iterations)
    {
        output.WriteLine($"AbortStress seed {seed} ({iterations} calls, {InFlight} in flight); replay with {SeedVariable}={seed}");
        var plan = Plan(seed, iterations);
        if (int.TryParse(Environment.GetEnvironmentVariable(OnlyVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var only))
        {
            plan = [plan[only]];
            output.WriteLine($"only iteration {only}: {plan[0]}");
        }

        var server = await LoopbackServer.Shared;

        // Garbage of earlier tests is finalized now, not during the run.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var unobserved = new ConcurrentQueue<AggregateException>();
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e) => unobserved.Enqueue(e.Exception);
        TaskScheduler.UnobservedTaskException += OnUnobserved;

        var results = new Result[plan.Length];
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await using var clients = new Clients();
            await Parallel.ForEachAsync(
                Enumerable.Range(0, plan.Length),
                new ParallelOptions { MaxDegreeOfParallelism = InFlight },
                async (i, _) =>
                {
                    try
                    {
                        results[i] = await RunOneAsync(server, clients.For(plan[i]), plan[i]);
                    }
                    catch (Exception ex)
                    {
                        // Whatever escapes a call's run is a problem of that call, reported with its step, not the end of the run.
                        results[i] = new Result(
                            "escaped", [new Problem("an exception escaped the call's run", ex.ToString())], "-", new Caller(null, new BodyChecker(), ex), plan[i].Moment.ToString());
                    }
                })
                .WaitAsync(Budget);
        }
        finally
        {
            stopwatch.Stop();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        // Per kind of problem: how many, where (abort moment × pipeline × style), and the first examples in full.
        var problems = new List<string>();
        var kinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var where = new SortedDictionary<string, SortedDictionary<string, int>>(StringComparer.Ordinal);
        for (var i = 0; i < plan.Length; i++)
        {
            foreach (var problem in results[i].Problems)
            {
                var count = kinds[problem.Kind] = kinds.GetValueOrDefault(problem.Kind) + 1;
                var cells = where.TryGetValue(problem.Kind, out var c) ? c : where[problem.Kind] = new(StringComparer.Ordinal);
                var cell = $"{results[i].Moment}{(plan[i].Size == 0 ? "/0 B" : "")} {plan[i].Pipeline} {plan[i].Style}";
                cells[cell] = cells.GetValueOrDefault(cell) + 1;
                if (count <= ExamplesPerKind)
                {
                    problems.Add($"seed {seed} {plan[i]}: {problem.Kind}: {problem.Detail}{Environment.NewLine}    events: {results[i].Events}{Environment.NewLine}    caller: {results[i].Caller}");
                }
            }
        }

        // Exceptions of this run's calls: the library's or these tests' frames, or the abort itself.
        var ours = unobserved.SelectMany(static a => a.InnerExceptions)
            .Where(static e => IsLibraryFrame(e.ToString()) || e.Message.Contains("aborted by HttpCall.Abort()", StringComparison.Ordinal))
            .ToList();
        foreach (var e in ours)
        {
            if ((kinds["unobserved task exception"] = kinds.GetValueOrDefault("unobserved task exception") + 1) <= ExamplesPerKind)
            {
                problems.Add($"seed {seed}: unobserved task exception: {e}");
            }
        }

        var outcomes = results.GroupBy(static r => r.Outcome).OrderBy(static g => g.Key, StringComparer.Ordinal).Select(static g => $"{g.Key} {g.Count()}");
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{plan.Length} calls in {stopwatch.Elapsed.TotalSeconds:F1} s: {string.Join(", ", outcomes)}; {unobserved.Count} unobserved task exceptions ({ours.Count} ours)"));
        var cuts = plan.Where(static p => p.CutAt is not null).Select(p => results[p.Index]).ToList();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  cut bodies: {cuts.Count}, resumed {cuts.Count(static r => r.Events.Contains(":Resume", StringComparison.Ordinal))}, of which succeeded {cuts.Count(static r => r.Outcome == "success" && r.Events.Contains(":Resume", StringComparison.Ordinal))}"));
        var stalls = plan.Where(static p => p.StallAfter is not null).Select(p => results[p.Index]).ToList();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  stalled bodies: {stalls.Count}, ended by the idle timeout {stalls.Count(static r => r.Events.Contains("error:HttpBodyIdleTimeoutException", StringComparison.Ordinal))}, by the abort {stalls.Count(static r => r.Events.Contains("error:OperationCanceledException", StringComparison.Ordinal))}"));
        foreach (var moment in results.GroupBy(static r => r.Moment).OrderBy(static g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {moment.Key}: {string.Join(", ", moment.GroupBy(static r => r.Outcome).OrderBy(static g => g.Key, StringComparer.Ordinal).Select(static g => $"{g.Key} {g.Count()}"))}");
        }

        var summary = new StringBuilder();
        foreach (var (kind, count) in kinds)
        {
            summary.AppendLine(CultureInfo.InvariantCulture, $"  {count} × {kind}");
            if (where.TryGetValue(kind, out var cells))
            {
                summary.AppendLine(CultureInfo.InvariantCulture, $"      in {string.Join(", ", cells.OrderByDescending(static c => c.Value).Select(static c => $"{c.Key} ×{c.Value}"))}");
            }
        }

        output.WriteLine(summary.ToString());
        foreach (var problem in problems)
        {
            output.WriteLine(problem);
        }

        Assert.True(
            kinds.Count == 0,
            $"seed {seed} ({SeedVariable}={seed}): {kinds.Values.Sum()} problems in {plan.Length} calls{Environment.NewLine}{summary}" +
            $"first {ExamplesPerKind} of each:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
    }

    /// <summary>Tells whether a stack names a frame of the library (not of this test assembly, whose other tests may leave tasks behind).</summary>
    private static bool IsLibraryFrame(string text) =>
        text.Replace("Handlers.Eventing.Tests.", string.Empty, StringComparison.Ordinal).Contains("Handlers.Eventing.", StringComparison.Ordinal);

    private static async Task<Result> RunOneAsync(LoopbackServer server, HttpClient client, Step step)
    {
        var key = LoopbackServer.NewKey();
        using var request = server.Request(
            step.Http2, step.CutAt is { } cut ? string.Create(CultureInfo.InvariantCulture, $"resume/{step.Size}?key={key}&cut={cut}") : step.PathAndQuery);
        var call = step.Style == Style.AwsCall ? client.CreateCall(request) : HttpCall.For(request);
        if (step.CutAt is not null)
        {
            server.SignalDelivered(call, key);
        }

        if (step.StallAfter is not null)
        {
            call.BodyIdleTimeout = Step.StallTimeout;
        }

        var probe = new Probe(call, step);
        Task aborter = Task.CompletedTask;
        if (step.Moment == Moment.Anywhere)
        {
            aborter = AbortAnywhereAsync(call, probe, step);
        }

        if (step.Moment == Moment.BeforeSend)
        {
            call.Abort();
        }

        probe.SendStarted.TrySetResult();
        var caller = await ConsumeAsync(client, request, call, step, probe);

        // Completion completes, and the thread that aborts anywhere has ended (its exception, if any, is observed here).
        var completed = false;
        try
        {
            var response = await call.Completion.WaitAsync(PerCall);
            completed = ReferenceEquals(response, call.Response);
        }
        catch (TimeoutException)
        {
        }

        Exception? aborterFault = null;
        try
        {
            await aborter.WaitAsync(PerCall);
        }
        catch (Exception ex)
        {
            aborterFault = ex;
        }

        return probe.Judge(caller, completed, aborterFault);
    }

    private static async Task AbortAnywhereAsync(HttpCall call, Probe probe, Step step)
    {
        var signal = step.Signal switch
        {
            Signal.SendStarted => probe.SendStarted.Task,
            Signal.Headers => probe.HeadersSeen.Task,
            Signal.Chunk => probe.ChunkSeen.Task,
            _ => probe.DoneSeen.Task,
        };

        // The signal may never come (no k-th chunk, the call failed first): then the call's end is the signal.
        await Task.WhenAny(signal, call.Completion).WaitAsync(PerCall).ConfigureAwait(false);
        if (step.Spins > 0)
        {
            Thread.SpinWait(step.Spins);
        }
        else
        {
            for (var i = 0; i < step.Yields; i++)
            {
                await Task.Yield();
            }
        }

        call.Abort();
    }

    private static async Task<Caller> ConsumeAsync(HttpClient client, HttpRequestMessage request, HttpCall call, Step step, Probe probe)
    {
        var checker = new BodyChecker();
        try
        {
            switch (step.Style)
            {
                case Style.Buffered:
                {
                    using var response = await client.SendAsync(request).WaitAsync(PerCall);
                    if (step.Moment is Moment.AfterCallerReadAll or Moment.AfterLastByteBeforeEof)
                    {
                        probe.AbortAfterLastByte();
                    }

                    checker.Add(await response.Content.ReadAsByteArrayAsync().WaitAsync(PerCall));
                    return new Caller(response.StatusCode, checker, null);
                }

                case Style.Stream:
                {
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(PerCall);
                    await using var stream = await response.Content.ReadAsStreamAsync().WaitAsync(PerCall);
                    var buffer = new byte[step.ReadBuffer];
                    if (step.Moment == Moment.AfterLastByteBeforeEof)
                    {
                        // Exactly Content-Length bytes, no 0-read: the body has ended at its last byte (design principle 3).
                        while (checker.Length < step.Size)
                        {
                            var want = (int)Math.Min(buffer.Length, step.Size - checker.Length);
                            var read = await stream.ReadAsync(buffer.AsMemory(0, want)).AsTask().WaitAsync(PerCall);
                            if (read == 0)
                            {
                                break;
                            }

                            checker.Add(buffer.AsSpan(0, read));
                        }

                        probe.AbortAfterLastByte();
                    }

                    int n;
                    while ((n = await stream.ReadAsync(buffer).AsTask().WaitAsync(PerCall)) > 0)
                    {
                        checker.Add(buffer.AsSpan(0, n));
                    }

                    if (step.Moment == Moment.AfterCallerReadAll)
                    {
                        probe.AbortAfterLastByte();
                    }

                    return new Caller(response.StatusCode, checker, null);
                }

                default:
                {
                    var result = await call.SendAsync().WaitAsync(PerCall);
                    if (step.Moment is Moment.AfterCallerReadAll or Moment.AfterLastByteBeforeEof)
                    {
                        probe.AbortAfterLastByte();
                    }

                    result.HttpResponse?.Dispose();
                    return new Caller(result.StatusCode, probe.DataBytes, null);
                }
            }
        }
        catch (Exception ex)
        {
            return new Caller(null, step.Style == Style.AwsCall ? probe.DataBytes : checker, ex);
        }
    }

    /// <summary>What the caller saw: a status and the bytes it got, or the exception its operation threw.</summary>
    private sealed record Caller(HttpStatusCode? Status, BodyChecker Body, Exception? Exception)
    {
        public override string ToString() =>
            $"status={(Status is { } s ? (int)s : "-")} bytes={Body.Length} mismatchAt={Body.FirstMismatch?.ToString(CultureInfo.InvariantCulture) ?? "-"} " +
            $"exception={(Exception is null ? "-" : $"{Exception.GetType().Name} ({Exception.Message}){(Exception.InnerException is { } inner ? $" inner {inner.GetType().Name} ({inner.Message})" : "")}")}";
    }

    private sealed record Problem(string Kind, string Detail);

    /// <summary>One call's outcome, problems, events, caller's view, and the abort moment as it happened (InHttpData: which chunk).</summary>
    private sealed record Result(string Outcome, IReadOnlyList<Problem> Problems, string Events, Caller Caller, string Moment);

    /// <summary>Counts the bytes and checks them against the generated pattern without storing them.</summary>
    private sealed class BodyChecker
    {
        public long Length { get; private set; }

        public long? FirstMismatch { get; private set; }

        public void Add(ReadOnlySpan<byte> bytes)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                if (FirstMismatch is null && bytes[i] != LoopbackServer.PatternByte(Length + i))
                {
                    FirstMismatch = Length + i;
                }
            }

            Length += bytes.Length;
        }
    }

    /// <summary>
    /// The listeners of one call: records every event, counts the terminal ones, detects overlapping and late events, and
    /// aborts at the step's moment. Every event has two listeners, the probe's and a trailing one registered after it, so an
    /// event raised inside the probe's listener (for example <c>complete</c> inside the <c>Abort()</c> of an <c>httpData</c>
    /// listener) shows up as a listener that runs after <c>complete</c>.
    /// </summary>
    private sealed class Probe
    {
        private readonly HttpCall _call;
        private readonly Step _step;
        private readonly ConcurrentQueue<string> _events = new();
        private readonly ConcurrentQueue<Problem> _problems = new();
        private int _inListener;
        private int _occupant;
        private int _success;
        private int _error;
        private int _complete;
        private int _chunks;
        private int _abortedInListener;
        private int _abortedInData;

        public Probe(HttpCall call, Step step)
        {
            _call = call;
            _step = step;
            Listen(HttpEvents.Retry, e => $"retry:{e.Attempt}:{e.Kind}");
            Listen(HttpEvents.HttpUploadProgress, static _ => "httpUploadProgress");
            Listen(HttpEvents.HttpHeaders, OnHeaders);
            Listen(HttpEvents.HttpDownloadProgress, static _ => "progress");
            Listen(HttpEvents.HttpData, OnData);
            Listen(HttpEvents.HttpError, e => $"httpError:{e.Attempt}:{e.Exception.GetType().Name}");
            Listen(HttpEvents.HttpDone, OnDone);
            Listen(HttpEvents.Success, r => { Interlocked.Increment(ref _success); return "success"; });
            Listen(HttpEvents.Error, r => { Interlocked.Increment(ref _error); return $"error:{r.Error?.GetType().Name}"; });
            Listen(HttpEvents.Complete, OnComplete);
        }

        public TaskCompletionSource SendStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource HeadersSeen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource ChunkSeen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource DoneSeen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The bytes <c>httpData</c> delivered (the caller's view for <c>CreateCall().SendAsync()</c>).</summary>
        public BodyChecker DataBytes { get; } = new();

        /// <summary>Whether the abort came while bytes of the body were still to come (so the call must end in error).</summary>
        private bool AbortedMidBody { get; set; }

        private bool Completed => Volatile.Read(ref _complete) != 0;

        public void AbortAfterLastByte()
        {
            _events.Enqueue("<caller Abort()>");
            _call.Abort();
        }

        public Result Judge(Caller caller, bool completed, Exception? aborterFault)
        {
            var problems = new List<Problem>(_problems);
            var success = Volatile.Read(ref _success);
            var error = Volatile.Read(ref _error);
            var complete = Volatile.Read(ref _complete);
            var response = _call.Response;
            var outcome = (success, error) switch { (1, 0) => "success", (0, 1) => "error", _ => $"success×{success}+error×{error}" };

            if (success + error != 1)
            {
                problems.Add(new("not exactly one success or error", $"success {success}, error {error}"));
            }

            if (complete != 1)
            {
                problems.Add(new("not exactly one complete", $"complete {complete}"));
            }

            if (!completed)
            {
                problems.Add(new("Completion did not complete", $"not completed with call.Response within {PerCall.TotalSeconds} s"));
            }

            if (aborterFault is not null)
            {
                problems.Add(new("the aborting thread failed", aborterFault.ToString()));
            }

            if (success == 1 && error == 0)
            {
                if (response.Error is not null)
                {
                    problems.Add(new("success with Response.Error set", response.Error.GetType().Name));
                }

                if (caller.Exception is not null)
                {
                    problems.Add(new("listeners saw success but the caller's operation threw", Describe(caller.Exception)));
                }
                else if (caller.Body.Length != _step.Size || caller.Body.FirstMismatch is not null)
                {
                    problems.Add(new("listeners saw success but the caller did not get every byte", $"got {caller.Body.Length} of {_step.Size} B, first wrong byte at {caller.Body.FirstMismatch?.ToString(CultureInfo.InvariantCulture) ?? "-"}"));
                }
            }
            else if (error == 1 && success == 0)
            {
                if (caller.Exception is null)
                {
                    problems.Add(new("listeners saw error but the caller's operation did not throw", $"caller got {caller.Body.Length} of {_step.Size} B; Response.Error {Describe(response.Error)}"));
                }
                else if (response.Error is null)
                {
                    problems.Add(new("error with no Response.Error", "Response.Error is null"));
                }
                else if (!Chain(caller.Exception).Any(e => ReferenceEquals(e, response.Error)))
                {
                    problems.Add(new("the caller threw another exception than the call's error", $"caller {Describe(caller.Exception)}; Response.Error {Describe(response.Error)}"));
                }
            }

            // Where the step decides the outcome (design r3, principle 2): before the send it is the abort; once the body has
            // ended it is success; while bytes are still to come it is the abort.
            // A body that stalls never ends: it cannot succeed, and ends in the stall unless an abort came first.
            var mustSucceed = _step.StallAfter is null && (_step.Moment is Moment.AfterCallerReadAll or Moment.AfterLastByteBeforeEof
                || (_step.Moment == Moment.InHttpDone && _step.Size > 0)
                || (_step.Moment == Moment.InHttpData && Volatile.Read(ref _abortedInData) == 0));
            var mustBeAborted = _step.Moment == Moment.BeforeSend
                || (_step.Moment == Moment.InHttpHeaders && _step.Size > 0 && Volatile.Read(ref _abortedInListener) != 0)
                || AbortedMidBody;
            var stalledOrAborted = response.Error is HttpBodyIdleTimeoutException
                || (response.Error is OperationCanceledException aborted && aborted.Message.Contains("aborted", StringComparison.Ordinal));
            if (_step.StallAfter is not null && error == 1 && !stalledOrAborted)
            {
                problems.Add(new("a stalled body ended in neither the stall nor the abort", Describe(response.Error, full: true)));
            }

            if (_step.StallAfter is not null && success == 1)
            {
                problems.Add(new("a stalled body succeeded", $"caller got {caller.Body.Length} of {_step.Size} B"));
            }

            if (mustSucceed && success != 1)
            {
                problems.Add(_step.Moment == Moment.InHttpData
                    ? new("a call that was never aborted did not succeed", $"no chunk #{_step.ChunkNumber}, so no Abort(); listeners saw {outcome} ({Describe(response.Error, full: true)})")
                    : new("an Abort() after the body ended changed the outcome", $"expected success, listeners saw {outcome} ({Describe(response.Error, full: true)})"));
            }

            if (mustBeAborted && !(error == 1 && response.Error is OperationCanceledException oce && oce.Message.Contains("aborted", StringComparison.Ordinal)))
            {
                problems.Add(new("an Abort() before the body ended did not end the call with the abort", $"listeners saw {outcome} ({Describe(response.Error)})"));
            }

            var moment = _step.Moment switch
            {
                Moment.InHttpData when Volatile.Read(ref _abortedInData) == 0 => "InHttpData(no such chunk)",
                Moment.InHttpData => AbortedMidBody ? "InHttpData(mid-body)" : "InHttpData(last chunk)",
                _ => _step.Moment.ToString(),
            };
            return new Result(outcome, problems, Compact(), caller, moment);
        }

        private static IEnumerable<Exception> Chain(Exception exception)
        {
            for (Exception? e = exception; e is not null; e = e.InnerException)
            {
                yield return e;
            }
        }

        /// <summary>Type and message; with <paramref name="full"/>, the whole exception (stack included) unless it is the abort.</summary>
        private static string Describe(Exception? exception, bool full = false) =>
            exception is null ? "none"
            : full && !exception.Message.Contains("aborted by HttpCall.Abort()", StringComparison.Ordinal) ? exception.ToString()
            : $"{exception.GetType().Name} ({exception.Message})";

        private void Listen<TArgs>(EventKey<TArgs> key, Func<TArgs, string> record)
        {
            _call.On(key, args =>
            {
                var thread = Environment.CurrentManagedThreadId;
                var depth = Interlocked.Increment(ref _inListener);
                string name = "?";
                try
                {
                    if (depth == 1)
                    {
                        Volatile.Write(ref _occupant, thread);
                    }
                    else if (Volatile.Read(ref _occupant) != thread)
                    {
                        _problems.Enqueue(new("listeners overlapped (two threads)", $"a {key.Name} listener ran on thread {thread} while thread {Volatile.Read(ref _occupant)} was in a listener"));
                    }
                    else
                    {
                        _problems.Enqueue(new("listeners overlapped (nested raise on one thread)", $"a {key.Name} listener ran inside another listener of the call"));
                    }

                    if (Completed)
                    {
                        _problems.Enqueue(new("an event was raised after complete", key.Name));
                    }

                    name = record(args);
                }
                finally
                {
                    _events.Enqueue(name);
                    if (depth == 1)
                    {
                        Volatile.Write(ref _occupant, 0);
                    }

                    Interlocked.Decrement(ref _inListener);
                }
            });

            // The trailing listener of the same event: it must not run after complete either (complete's own excepted).
            if (!ReferenceEquals(key, HttpEvents.Complete))
            {
                _call.On(key, _ =>
                {
                    if (Completed)
                    {
                        _problems.Enqueue(new("an event was raised after complete", $"the second {key.Name} listener ran after complete"));
                    }
                });
            }
        }

        private string OnHeaders(HttpHeadersEvent e)
        {
            HeadersSeen.TrySetResult();
            if (_step.Moment == Moment.InHttpHeaders && Interlocked.Exchange(ref _abortedInListener, 1) == 0)
            {
                _call.Abort();
                return $"httpHeaders:{e.Attempt}:{(int)e.StatusCode}+Abort()";
            }

            return $"httpHeaders:{e.Attempt}:{(int)e.StatusCode}";
        }

        private string OnData(HttpDataEvent e)
        {
            DataBytes.Add(e.Chunk.Span);
            var chunk = Interlocked.Increment(ref _chunks);
            if (chunk == _step.ChunkNumber)
            {
                ChunkSeen.TrySetResult();
                if (_step.Moment == Moment.InHttpData)
                {
                    AbortedMidBody = DataBytes.Length < _step.Size;
                    Volatile.Write(ref _abortedInData, 1);
                    _call.Abort();
                    return $"httpData:{e.Attempt}:{e.Chunk.Length}+Abort()";
                }
            }

            return "httpData";
        }

        private string OnDone(HttpCallResponse r)
        {
            DoneSeen.TrySetResult();

            // Design r3 §4: until a response is returned, Response describes the latest attempt whose headers arrived.
            if (r.Attempt < 1 || r.HttpResponse is null || r.StatusCode is null)
            {
                _problems.Enqueue(new("httpDone without the attempt whose headers arrived", $"Response.Attempt {r.Attempt}, StatusCode {(r.StatusCode is { } s ? (int)s : "null")}, HttpResponse {(r.HttpResponse is null ? "null" : "set")}"));
            }

            if (_step.Moment == Moment.InHttpDone)
            {
                _call.Abort();
                return $"httpDone:{r.Attempt}+Abort()";
            }

            return $"httpDone:{r.Attempt}";
        }

        private string OnComplete(HttpCallResponse r)
        {
            if (Volatile.Read(ref _success) + Volatile.Read(ref _error) != 1)
            {
                _problems.Enqueue(new("complete before exactly one success or error", $"success {_success}, error {_error}"));
            }

            if (!r.Call.IsFinished)
            {
                _problems.Enqueue(new("complete with IsFinished false", ""));
            }

            Interlocked.Increment(ref _complete);
            return $"complete:{r.Attempt}";
        }

        /// <summary>The events in order, with runs of progress and data collapsed to "progress/httpData×n".</summary>
        private string Compact()
        {
            var result = new StringBuilder();
            string? previous = null;
            var run = 0;
            foreach (var name in _events.Append("<end>"))
            {
                var kind = name is "progress" or "httpData" ? "progress/httpData" : name;
                if (kind == previous && kind == "progress/httpData")
                {
                    run++;
                    continue;
                }

                if (previous is not null)
                {
                    result.Append(previous).Append(run > 1 ? $"×{run}" : "").Append(',');
                }

                previous = kind;
                run = 1;
            }

            return result.ToString().TrimEnd(',');
        }
    }

    /// <summary>The clients of the run: one hand-built client, and factory clients per pipeline and registration order.</summary>
    private sealed class Clients : IAsyncDisposable
    {
        private readonly HttpClient _plain;
        private readonly ServiceProvider _provider;
        private readonly IHttpClientFactory _factory;

        public Clients()
        {
            _plain = new HttpClient(new EventingHandler(new SocketsHttpHandler(), new EventingOptions { ResponseBody = { MaxResumeAttempts = 2 } }))
            {
                Timeout = TestTimeouts.Default,
            };
            var services = new ServiceCollection();
            foreach (var eventingFirst in new[] { true, false })
            {
                Add(services, Name(Pipeline.Resilience, eventingFirst), eventingFirst, static b => b.AddStandardResilienceHandler());
                Add(services, Name(Pipeline.Hedging, eventingFirst), eventingFirst, static b =>
                {
                    b.AddStandardHedgingHandler().Configure(static o =>
                    {
                        // Hedge after 1 ms: some calls hedge, some answer first; hedged attempts race the abort too.
                        o.Hedging.Delay = TimeSpan.FromMilliseconds(1);
                        o.Hedging.MaxHedgedAttempts = 1;
                    });
                    b.AddHttpMessageHandler(static () => new ExactVersionHandler());
                });
            }

            _provider = services.BuildServiceProvider();
            _factory = _provider.GetRequiredService<IHttpClientFactory>();
        }

        public HttpClient For(Step step) => step.Pipeline == Pipeline.Plain ? _plain : Configure(_factory.CreateClient(Name(step.Pipeline, step.EventingFirst)));

        public async ValueTask DisposeAsync()
        {
            _plain.Dispose();
            await _provider.DisposeAsync();
        }

        private static HttpClient Configure(HttpClient client)
        {
            client.Timeout = TestTimeouts.Default;
            return client;
        }

        private static string Name(Pipeline pipeline, bool eventingFirst) => $"{pipeline}-{(eventingFirst ? "eventing-first" : "eventing-last")}";

        private static void Add(IServiceCollection services, string name, bool eventingFirst, Action<IHttpClientBuilder> addResilience)
        {
            var builder = services.AddHttpClient(name).ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler());
            if (eventingFirst)
            {
                builder.AddEventing(static o => o.ResponseBody.MaxResumeAttempts = 2);
                addResilience(builder);
            }
            else
            {
                addResilience(builder);
                builder.AddEventing(static o => o.ResponseBody.MaxResumeAttempts = 2);
            }
        }
    }

    /// <summary>
    /// Gives every attempt the version policy of the caller's request. The hedging handler sends each hedged attempt as a clone
    /// of the request that keeps its <c>Version</c> but not its <c>VersionPolicy</c>: over cleartext, a 2.0 request with the
    /// default <c>RequestVersionOrLower</c> goes out as HTTP/1.1, and the h2c-only endpoint answers 400 "An HTTP/1.x request was
    /// sent to an HTTP/2 only endpoint" (with or without eventing).
    /// </summary>
    private sealed class ExactVersionHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
