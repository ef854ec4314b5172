using System.Collections.Concurrent;
using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using static Handlers.Eventing.Tests.Resilience.ResilienceClients;

namespace Handlers.Eventing.Tests.Resilience;

/// <summary>
/// <c>AddStandardHedgingHandler()</c> against the Kestrel fixture: the primary winning, the hedge winning, and both answering
/// at the same instant, where the call's events must still run one at a time.
/// </summary>
public sealed class StandardHedgingHandlerTests
{
    private const string Won = "retry:2,httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True";

    [Theory]
    [MemberData(nameof(Registrations), MemberType = typeof(ResilienceClients))]
    public async Task Hedging_PrimaryWins_HedgeEndsQuietly(Registration registration)
    {
        var (recorder, headers) = await SendAsync(registration, "primary");

        Assert.Equal(Won, recorder.Compact());
        Assert.Equal([1], headers);
        Assert.Equal(1, recorder.Call.Response.Attempt);
        Assert.Equal(1, recorder.Call.Response.RetryCount);
        Assert.Empty(recorder.HttpErrors);
    }

    [Theory]
    [MemberData(nameof(Registrations), MemberType = typeof(ResilienceClients))]
    public async Task Hedging_HedgeWins_PrimaryEndsQuietly(Registration registration)
    {
        var (recorder, headers) = await SendAsync(registration, "hedge");

        Assert.Equal(Won, recorder.Compact());
        Assert.Equal([2], headers);
        Assert.Equal(2, recorder.Call.Response.Attempt);
        Assert.Empty(recorder.HttpErrors);
    }

    [Fact]
    public async Task Hedging_RetryEvent_HedgeKindZeroDelayNoPreviousOutcome()
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        using var provider = Build(Registration.EventingFirst, AddHedging);
        using var client = provider.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/hedge/{key}?winner=hedge"));
        var retries = Retries(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        var retry = Assert.Single(retries);
        Assert.Equal(2, retry.Attempt);
        Assert.Equal(HttpAttemptKind.Hedge, retry.Kind);
        Assert.Equal(TimeSpan.Zero, retry.Delay);   // the hedge starts right after Polly decides
        Assert.Null(retry.PreviousError);
        Assert.Null(retry.PreviousStatusCode);
    }

    [Fact]
    public async Task Hedging_BothAnswerAtTheSameInstant_CallEventsNeverRunConcurrently()
    {
        var server = await LoopbackServer.Shared;
        using var provider = Build(Registration.EventingFirst, AddHedging);
        using var client = provider.CreateClient();
        var overlaps = 0;
        for (var i = 0; i < 5; i++)
        {
            var key = LoopbackServer.NewKey();
            using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/hedge/{key}?winner=both&n=20000"));
            var call = HttpCall.For(request);
            var recorder = new EventRecorder(call);
            var running = 0;
            void Enter<T>(T _)
            {
                if (Interlocked.Increment(ref running) != 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                Thread.SpinWait(20_000);   // widen the window in which a second event could come in
                Interlocked.Decrement(ref running);
            }

            call.On(HttpEvents.Retry, Enter).On(HttpEvents.HttpHeaders, Enter).On(HttpEvents.HttpData, Enter)
                .On(HttpEvents.HttpDownloadProgress, Enter).On(HttpEvents.HttpError, Enter).On(HttpEvents.HttpDone, Enter);

            using var response = await client.SendAsync(request).WithTimeout();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(20000, (await response.Content.ReadAsByteArrayAsync()).Length);
            Assert.Equal(2, LoopbackServer.ResilienceRequests(key));
            Assert.Equal(1, recorder.Count("retry"));
            Assert.InRange(recorder.Count("httpHeaders"), 1, 2);   // the loser's headers may have arrived before it was cancelled
            Assert.Equal(1, recorder.Count("httpDone"));
            Assert.Equal(1, recorder.Count("success"));
            Assert.Equal(1, recorder.Count("complete"));
            Assert.Equal(call.Response.Attempt, Assert.Single(recorder.DownloadProgress.Select(p => p.Attempt).Distinct()));
        }

        Assert.Equal(0, overlaps);
    }

    [Fact]
    public async Task Hedging_PrimaryFailsFastBeforeTheHedgingDelay_NextAttemptIsARetryOfThatStatus()
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        using var provider = Build(Registration.EventingFirst, builder => builder.AddStandardHedgingHandler().Configure(o =>
        {
            // Far longer than the test: the second attempt can only come from the handled 503, never from the delay.
            o.Hedging.Delay = TimeSpan.FromMinutes(1);
            o.Hedging.MaxHedgedAttempts = 1;
            o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(5);
        }));
        using var client = provider.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=503,200"));
        var retries = Retries(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var retry = Assert.Single(retries);
        Assert.Equal((2, HttpAttemptKind.Retry, HttpStatusCode.ServiceUnavailable), (retry.Attempt, retry.Kind, retry.PreviousStatusCode!.Value));
        Assert.Null(retry.PreviousError);
    }

    private static void AddHedging(IHttpClientBuilder builder)
    {
        builder.AddStandardHedgingHandler().Configure(o =>
        {
            o.Hedging.Delay = TimeSpan.FromMilliseconds(50);
            o.Hedging.MaxHedgedAttempts = 1;
        });
        builder.AddHttpMessageHandler(static () => new AttemptRoleHandler());
    }

    private static async Task<(EventRecorder Recorder, ConcurrentQueue<int> Headers)> SendAsync(Registration registration, string winner)
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        using var provider = Build(registration, AddHedging);
        using var client = provider.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/hedge/{key}?winner={winner}&n=5000"));
        var recorder = new EventRecorder(HttpCall.For(request));
        var headers = new ConcurrentQueue<int>();
        recorder.Call.On(HttpEvents.HttpHeaders, e => headers.Enqueue(e.Attempt));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(LoopbackServer.Pattern(5000), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(2, LoopbackServer.ResilienceRequests(key));
        return (recorder, headers);
    }

    /// <summary>
    /// Tells the server which request is the primary (the caller's own request) and which the hedge (the clone that
    /// Microsoft.Extensions.Http.Resilience makes per hedged attempt), whatever order they reach it in.
    /// </summary>
    private sealed class AttemptRoleHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var primary = HttpCall.TryGet(request, out var call) && ReferenceEquals(call.Request, request);
            request.Headers.Remove("X-Attempt-Role");
            request.Headers.TryAddWithoutValidation("X-Attempt-Role", primary ? "primary" : "hedge");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
