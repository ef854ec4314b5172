using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Handlers.Eventing.Tests.Reliability;

/// <summary>
/// The exactly-once promise on every outcome path × every way of consuming a response, through the factory pipeline with a
/// real retry handler (Microsoft.Extensions.Http.Resilience). Each cell runs the scenario through a client WITH eventing and compares what the caller saw
/// with what the same pipeline WITHOUT eventing shows (or, for Abort and listener exceptions, with the documented outcome).
/// </summary>
/// <remarks>
/// Omitted cells (see docs/guarantees.md): <see cref="Path.DisposedUnread"/> × <see cref="Mode.Buffered"/> and
/// × <see cref="Mode.AwsCall"/> (the body is read before the caller could dispose it), and <see cref="Path.CancelMidBody"/>
/// × <see cref="Mode.SyncSend"/>, and the same for <see cref="Path.CancelMidBodyIdleClockOn"/> (a synchronous Stream.Read takes no
/// token: a plain client waits for ever too).
/// </remarks>
public sealed class FaultMatrixTests
{
    private static readonly TimeSpan CellTimeout = TimeSpan.FromSeconds(15);
    private static readonly HttpRequestOptionsKey<Action> ConnectedHook = new("FaultMatrix.Connected");
    private static readonly HttpRequestOptionsKey<Action> HeadersHook = new("FaultMatrix.Headers");
    private static readonly Lazy<ServiceProvider> s_withEventing = new(() => BuildProvider(eventing: true));
    private static readonly Lazy<ServiceProvider> s_withoutEventing = new(() => BuildProvider(eventing: false));

    /// <summary>The outcome paths.</summary>
    public enum Path
    {
        Ok200,
        NotFoundWithBody,
        Retried500Then200,
        Retries500Exhausted,
        ConnectionRefused,
        ResetBeforeHeaders,
        ResetMidBody,
        TruncatedBody,
        SlowBodyTimeout,
        CancelBeforeHeaders,
        CancelMidBody,
        AbortBeforeSend,
        AbortWaitingForHeaders,
        AbortMidBody,
        DisposedUnread,
        ListenerThrowsInHttpHeaders,
        ListenerThrowsInHttpData,
        ListenerThrowsInSuccess,
        ListenerThrowsInComplete,

        /// <summary>The body stalls mid-stream on a client with a body idle timeout (issue 23): a plain client would wait for ever.</summary>
        StallMidBody,

        /// <summary><see cref="AbortMidBody"/> on a client whose idle clock runs (a long timeout the abort beats).</summary>
        AbortMidBodyIdleClockOn,

        /// <summary><see cref="CancelMidBody"/> on a client whose idle clock runs (a long timeout the cancellation beats).</summary>
        CancelMidBodyIdleClockOn,

        /// <summary>The connection is cut mid-body and the library resumes the body with Range (issue 25): the call succeeds.</summary>
        ResumedMidBody,
    }

    /// <summary>The ways a caller consumes the response.</summary>
    public enum Mode
    {
        /// <summary><c>client.SendAsync(request)</c> (ResponseContentRead: HttpClient buffers the body).</summary>
        Buffered,

        /// <summary>ResponseHeadersRead, then ReadAsStreamAsync and ReadAsync to the end.</summary>
        HeadersReadStream,

        /// <summary>ResponseHeadersRead, then Content.CopyToAsync.</summary>
        HeadersReadCopy,

        /// <summary><c>client.CreateCall(request).SendAsync()</c>.</summary>
        AwsCall,

        /// <summary>Sync <c>client.Send(request, ResponseHeadersRead)</c>, then a sync Read of the stream to the end.</summary>
        SyncSend,
    }

    public static TheoryData<Path, Mode> Cells()
    {
        var data = new TheoryData<Path, Mode>();
        foreach (var path in Enum.GetValues<Path>())
        {
            foreach (var mode in Enum.GetValues<Mode>())
            {
                if (OmittedBecause(path, mode) is null)
                {
                    data.Add(path, mode);
                }
            }
        }

        return data;
    }

    /// <summary>Why a combination is not generated, or <see langword="null"/> when it is a cell of the matrix.</summary>
    internal static string? OmittedBecause(Path path, Mode mode) => (path, mode) switch
    {
        (Path.DisposedUnread, Mode.Buffered) => "buffering reads the whole body inside SendAsync: the caller never holds an unread body",
        (Path.DisposedUnread, Mode.AwsCall) => "SendAsync drives the body to its end itself: the caller never holds an unread body",
        (Path.CancelMidBody or Path.CancelMidBodyIdleClockOn, Mode.SyncSend) => "a synchronous Stream.Read takes no token: a plain HttpClient waits for ever too (Abort covers this)",
        _ => null,
    };

    [Fact]
    public void Cells_CoverTheCrossProductExceptTheDocumentedOmissions()
    {
        var all = Enum.GetValues<Path>().Length * Enum.GetValues<Mode>().Length;
        var omitted = Enum.GetValues<Path>().SelectMany(p => Enum.GetValues<Mode>().Select(m => OmittedBecause(p, m))).Count(r => r is not null);

        Assert.Equal(115, all);
        Assert.Equal(4, omitted);
        Assert.Equal(all - omitted, Cells().Count());
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Cell_EndsExactlyOnceAndCallerSeesWhatAPlainClientSees(Path path, Mode mode)
    {
        var server = await LoopbackServer.Shared;
        await RunCellAsync(server, path, mode).WaitAsync(CellTimeout);
    }

    private static async Task RunCellAsync(LoopbackServer server, Path path, Mode mode)
    {
        var documented = path is Path.AbortBeforeSend or Path.AbortWaitingForHeaders or Path.AbortMidBody or Path.AbortMidBodyIdleClockOn
            or Path.StallMidBody or Path.ResumedMidBody
            or Path.ListenerThrowsInHttpHeaders or Path.ListenerThrowsInHttpData or Path.ListenerThrowsInSuccess or Path.ListenerThrowsInComplete;
        var expected = documented ? null : (await RunAsync(server, path, BaselineMode(path, mode), eventing: false)).Outcome;
        var actual = await RunAsync(server, path, mode, eventing: true);
        var call = actual.Call!;

        // Exactly one of success / error, then exactly one complete, in that order; IsFinished inside complete.
        var expectedTerminal = ExpectSuccess(path, actual.Outcome) ? "success" : "error";
        Assert.Equal([expectedTerminal, "complete:True"], actual.Terminals.ToArray());
        var completed = await call.Completion.WaitAsync(CellTimeout);
        Assert.Same(call.Response, completed);
        Assert.True(call.IsFinished);
        Assert.Equal(expectedTerminal == "error", call.Response.Error is not null);

        if (expected is not null)
        {
            // Observation never changes the call: same status, same bytes, same exception type and inner type.
            Assert.True(
                expected.Status == actual.Outcome.Status
                && (expected.BodyLength is null || actual.Outcome.BodyLength is null || expected.BodyLength == actual.Outcome.BodyLength)
                && expected.ExceptionType == actual.Outcome.ExceptionType
                && expected.InnerType == actual.Outcome.InnerType,
                $"without eventing: {expected}{Environment.NewLine}with eventing:    {actual.Outcome}");
        }
        else if (path == Path.ResumedMidBody)
        {
            // Resumed: the caller read the whole body from one stream, as if the connection had never been cut.
            Assert.Null(actual.Outcome.Exception);
            Assert.True(actual.Outcome.BodyLength is null or 100_000, $"the caller saw {actual.Outcome}");
            Assert.Equal(1, call.Response.RetryCount);
            Assert.Equal(100_000, call.Response.BytesReceived);
        }
        else if (path == Path.StallMidBody)
        {
            // The stall: one exception object, the call's error; thrown by stream reads, wrapped by HttpContent's copy and buffering.
            var stall = Assert.IsType<HttpBodyIdleTimeoutException>(call.Response.Error);
            Assert.True(
                ReferenceEquals(actual.Outcome.Exception, stall) || ReferenceEquals(actual.Outcome.Exception?.InnerException, stall),
                $"the caller saw {actual.Outcome}");
            Assert.Equal(20_000, stall.BytesReceived);
        }
        else if (actual.ListenerException is { } listenerException)
        {
            // Listener exceptions: the operation that raised the event throws the listener's own exception object.
            Assert.Same(listenerException, actual.Outcome.Exception);
        }
        else
        {
            // Abort: the pending send or read throws the abort exception, which is also the call's error.
            var aborted = Assert.IsAssignableFrom<OperationCanceledException>(actual.Outcome.Exception);
            Assert.Contains("aborted", aborted.Message, StringComparison.Ordinal);
            Assert.Same(call.Response.Error, aborted);
        }

        switch (path)
        {
            case Path.DisposedUnread:
                Assert.IsType<HttpCallAbandonedException>(call.Response.Error);
                break;
            case Path.Retried500Then200 or Path.Retries500Exhausted or Path.ConnectionRefused or Path.ResetBeforeHeaders:
                // Microsoft.Extensions.Http.Resilience's handler retries sync sends too (its Send runs the pipeline synchronously).
                Assert.Equal(2, call.Response.RetryCount);
                break;
        }
    }

    private static bool ExpectSuccess(Path path, Outcome outcome) => path switch
    {
        Path.ListenerThrowsInSuccess or Path.ListenerThrowsInComplete => true,
        Path.DisposedUnread => false,
        _ => outcome.Exception is null && outcome.Status is { } status && (int)status is >= 200 and < 300,
    };

    /// <summary>How a client without eventing consumes the response for the same scenario.</summary>
    private static Mode BaselineMode(Path path, Mode mode) => mode switch
    {
        // CreateCall(...).SendAsync() throws what HttpClient.SendAsync throws (docs/events.md, "When the call does not
        // succeed"): its plain equivalent is the default buffered send, which reads the whole body and which
        // HttpClient.Timeout covers end to end.
        Mode.AwsCall => Mode.Buffered,
        _ => mode,
    };

    private static async Task<Run> RunAsync(LoopbackServer server, Path path, Mode mode, bool eventing)
    {
        var key = LoopbackServer.NewKey();
        var provider = eventing ? s_withEventing.Value : s_withoutEventing.Value;
        var clientName = path switch
        {
            Path.SlowBodyTimeout => "timeout",
            Path.StallMidBody => "stall",
            Path.AbortMidBodyIdleClockOn or Path.CancelMidBodyIdleClockOn => "idle",
            Path.ResumedMidBody => "resume",
            _ => "matrix",
        };
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(clientName);
        using var cts = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(server, path, mode, key));
        var terminals = new ConcurrentQueue<string>();
        HttpCall? call = null;
        Exception? listenerException = null;

        if (eventing)
        {
            call = mode == Mode.AwsCall ? client.CreateCall(request) : HttpCall.For(request);
            call.On(HttpEvents.Success, _ => terminals.Enqueue("success"))
                .On(HttpEvents.Error, _ => terminals.Enqueue("error"))
                .On(HttpEvents.Complete, r => terminals.Enqueue($"complete:{r.Call.IsFinished}"));
            var c = call;
            switch (path)
            {
                case Path.ResumedMidBody:
                    server.SignalDelivered(call, key);
                    break;
                case Path.ResetMidBody:
                    // The server resets once the client saw data.
                    call.Once(HttpEvents.HttpData, _ => server.Signal(key));
                    break;
                case Path.CancelBeforeHeaders:
                    request.Options.Set(ConnectedHook, cts.Cancel);
                    break;
                case Path.CancelMidBody or Path.CancelMidBodyIdleClockOn:
                    call.Once(HttpEvents.HttpData, _ => cts.Cancel());
                    break;
                case Path.AbortBeforeSend:
                    call.Abort();
                    break;
                case Path.AbortWaitingForHeaders:
                    request.Options.Set(ConnectedHook, c.Abort);
                    break;
                case Path.AbortMidBody or Path.AbortMidBodyIdleClockOn:
                    call.Once(HttpEvents.HttpData, _ => c.Abort());
                    break;
                case Path.ListenerThrowsInHttpHeaders:
                    listenerException = Throw(call, HttpEvents.HttpHeaders, path);
                    break;
                case Path.ListenerThrowsInHttpData:
                    listenerException = Throw(call, HttpEvents.HttpData, path);
                    break;
                case Path.ListenerThrowsInSuccess:
                    listenerException = Throw(call, HttpEvents.Success, path);
                    break;
                case Path.ListenerThrowsInComplete:
                    listenerException = Throw(call, HttpEvents.Complete, path);
                    break;
            }
        }
        else
        {
            switch (path)
            {
                // No httpData without eventing: the mid-body triggers run when the headers arrived (the server has sent
                // the headers and the first bytes and waits), from a pass-through handler that does not touch the content.
                case Path.ResetMidBody:
                    request.Options.Set(HeadersHook, () => server.Signal(key));
                    break;
                case Path.CancelBeforeHeaders:
                    request.Options.Set(ConnectedHook, cts.Cancel);
                    break;
                case Path.CancelMidBody or Path.CancelMidBodyIdleClockOn:
                    request.Options.Set(HeadersHook, cts.Cancel);
                    break;
            }
        }

        var outcome = await ConsumeAsync(mode, client, request, call, cts.Token, disposeUnread: path == Path.DisposedUnread);
        return new Run(outcome, call, terminals, listenerException);
    }

    private static ListenerException Throw<TArgs>(HttpCall call, EventKey<TArgs> eventKey, Path path)
    {
        var exception = new ListenerException(path);
        call.On(eventKey, _ => throw exception);
        return exception;
    }

    private static Uri Url(LoopbackServer server, Path path, Mode mode, string key) => path switch
    {
        Path.Ok200 or Path.ListenerThrowsInHttpHeaders or Path.ListenerThrowsInHttpData
            or Path.ListenerThrowsInSuccess or Path.ListenerThrowsInComplete or Path.AbortBeforeSend => server.Url("bytes/20000"),
        Path.NotFoundWithBody => server.Url("status/404?body=missing"),
        Path.Retried500Then200 => server.Url($"flaky/{key}?failures=2&status=500&n=20000"),
        Path.Retries500Exhausted => server.Url($"flaky/{key}?failures=10&status=500"),
        Path.ConnectionRefused => LoopbackServer.RefusedAddress(),
        Path.ResetBeforeHeaders => server.Url("reset-headers"),
        Path.ResetMidBody => server.Url($"reset/100000?after=20000&key={key}"),
        Path.TruncatedBody => new Uri(server.TruncatingAddress, "100000?send=30000"),

        // HttpClient.Timeout covers the body only when the body is read inside the timed operation (buffered send, or
        // CreateCall().SendAsync()). With ResponseHeadersRead it stops at the headers, so those modes time out waiting for
        // the headers instead (a plain client would wait for ever on the slow body).
        Path.SlowBodyTimeout => mode is Mode.Buffered or Mode.AwsCall ? server.Url("hang-body/100000?send=20000") : server.Url("hang"),
        Path.CancelBeforeHeaders or Path.AbortWaitingForHeaders => server.Url("hang"),
        Path.CancelMidBody or Path.AbortMidBody or Path.StallMidBody or Path.AbortMidBodyIdleClockOn or Path.CancelMidBodyIdleClockOn =>
            server.Url("hang-body/100000?send=20000"),
        Path.DisposedUnread => server.Url("bytes/100000"),
        Path.ResumedMidBody => server.Url($"resume/100000?key={key}&cut=20000"),
        _ => throw new ArgumentOutOfRangeException(nameof(path)),
    };

    private static async Task<Outcome> ConsumeAsync(Mode mode, HttpClient client, HttpRequestMessage request, HttpCall? call, CancellationToken token, bool disposeUnread)
    {
        try
        {
            switch (mode)
            {
                case Mode.Buffered:
                {
                    using var response = await client.SendAsync(request, token);
                    var body = await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
                    return new Outcome(response.StatusCode, body.Length, null);
                }

                case Mode.HeadersReadStream:
                {
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                    if (disposeUnread)
                    {
                        response.Dispose();
                        return new Outcome(response.StatusCode, 0, null);
                    }

                    await using var stream = await response.Content.ReadAsStreamAsync(token);
                    var buffer = new byte[16 * 1024];
                    long total = 0;
                    int read;
                    while ((read = await stream.ReadAsync(buffer, token)) > 0)
                    {
                        total += read;
                    }

                    return new Outcome(response.StatusCode, total, null);
                }

                case Mode.HeadersReadCopy:
                {
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                    if (disposeUnread)
                    {
                        // The content stream disposed unread (the other path: the stream, not the response).
                        var unread = await response.Content.ReadAsStreamAsync(token);
                        await unread.DisposeAsync();
                        return new Outcome(response.StatusCode, 0, null);
                    }

                    using var copy = new MemoryStream();
                    await response.Content.CopyToAsync(copy, token);
                    return new Outcome(response.StatusCode, copy.Length, null);
                }

                case Mode.AwsCall:
                {
                    var result = await call!.SendAsync(token);
                    return new Outcome(result.StatusCode, null, null);
                }

                case Mode.SyncSend:
                    return await Task.Factory.StartNew(
                        () => ConsumeSync(client, request, token, disposeUnread),
                        CancellationToken.None,
                        TaskCreationOptions.LongRunning,
                        TaskScheduler.Default);

                default:
                    throw new ArgumentOutOfRangeException(nameof(mode));
            }
        }
        catch (Exception ex)
        {
            return new Outcome(null, null, ex);
        }
    }

    private static Outcome ConsumeSync(HttpClient client, HttpRequestMessage request, CancellationToken token, bool disposeUnread)
    {
        try
        {
            using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead, token);
            if (disposeUnread)
            {
                response.Dispose();
                return new Outcome(response.StatusCode, 0, null);
            }

            using var stream = response.Content.ReadAsStream(token);
            var buffer = new byte[16 * 1024];
            long total = 0;
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                total += read;
            }

            return new Outcome(response.StatusCode, total, null);
        }
        catch (Exception ex)
        {
            return new Outcome(null, null, ex);
        }
    }

    private static ServiceProvider BuildProvider(bool eventing)
    {
        var services = new ServiceCollection();
        foreach (var (name, timeout, idle) in new[]
        {
            ("matrix", TimeSpan.FromSeconds(100), Timeout.InfiniteTimeSpan),
            ("timeout", TimeSpan.FromMilliseconds(250), Timeout.InfiniteTimeSpan),
            ("stall", TimeSpan.FromSeconds(100), TimeSpan.FromMilliseconds(250)),
            ("idle", TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(60)),
            ("resume", TimeSpan.FromSeconds(100), Timeout.InfiniteTimeSpan),
        })
        {
            var builder = services.AddHttpClient(name, c => c.Timeout = timeout)
                .ConfigurePrimaryHttpMessageHandler(CreatePrimaryHandler)
                .AddTestRetry(maxRetryAttempts: 2);
            if (eventing)
            {
                builder.AddEventing(o =>
                {
                    o.ResponseBody.IdleTimeout = idle;
                    o.ResponseBody.MaxResumeAttempts = name == "resume" ? 1 : 0;
                });
            }
            else
            {
                builder.AddHttpMessageHandler(() => new HeadersHookHandler());
            }
        }

        return services.BuildServiceProvider();
    }

    /// <summary>
    /// A fresh connection per request (so every request runs the connect callback), and a hook when the connection is up:
    /// the request is in flight and waits for its headers. Both clients use it, so the trigger is the same with and without
    /// eventing.
    /// </summary>
    private static SocketsHttpHandler CreatePrimaryHandler() => new()
    {
        PooledConnectionLifetime = TimeSpan.Zero,
        ConnectCallback = static async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            if (context.InitialRequestMessage.Options.TryGetValue(ConnectedHook, out var hook))
            {
                hook();
            }

            return new NetworkStream(socket, ownsSocket: true);
        },
    };

    /// <summary>Runs a per-request hook when the headers arrived; never touches the response (baseline client only).</summary>
    private sealed class HeadersHookHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            Run(request);
            return response;
        }

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = base.Send(request, cancellationToken);
            Run(request);
            return response;
        }

        private static void Run(HttpRequestMessage request)
        {
            if (request.Options.TryGetValue(HeadersHook, out var hook))
            {
                hook();
            }
        }
    }

    private sealed record Run(Outcome Outcome, HttpCall? Call, ConcurrentQueue<string> Terminals, Exception? ListenerException);

    private sealed record Outcome(HttpStatusCode? Status, long? BodyLength, Exception? Exception)
    {
        public Type? ExceptionType => Exception?.GetType();

        public Type? InnerType => Exception?.InnerException?.GetType();

        public override string ToString() =>
            $"status={Status?.ToString() ?? "-"} bytes={BodyLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} " +
            $"exception={ExceptionType?.Name ?? "-"} inner={InnerType?.Name ?? "-"} ({Exception?.Message})";
    }

    private sealed class ListenerException(Path path) : Exception($"listener thrown on purpose ({path})");
}
