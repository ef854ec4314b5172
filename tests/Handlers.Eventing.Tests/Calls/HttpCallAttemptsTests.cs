using System.Net;
using Handlers.Eventing.Internal;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

/// <summary>
/// Attempts as the core sees them, driven by small in-memory retry and hedging handlers placed between the call-level and the
/// attempt-level handler (the resilience tests do the same with Microsoft.Extensions.Http.Resilience against Kestrel).
/// </summary>
public class HttpCallAttemptsTests
{
    [Fact]
    public async Task Hedging_BothAttemptsAnswerAtTheSameInstant_EventsNeverOverlapAndTheWinnerIsReturned()
    {
        using var both = new Barrier(2);
        var transport = new InlineHandler(_ =>
        {
            // Both attempts' headers are released at the same instant.
            both.SignalAndWait(TestTimeouts.Default);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[100]) };
        });
        using var client = new HttpClient(Pipeline(new TwoAtOnceHedgingHandler(), transport));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/");
        var call = HttpCall.For(request);
        var inside = 0;
        var overlapped = false;
        var kinds = new List<HttpAttemptKind>();
        void Enter()
        {
            if (Interlocked.Increment(ref inside) > 1)
            {
                overlapped = true;
            }

            // Widen the window in which an unserialized second event would overlap this one.
            Thread.SpinWait(200_000);
            Interlocked.Decrement(ref inside);
        }

        call.On(HttpEvents.Retry, e => { Enter(); kinds.Add(e.Kind); })
            .On(HttpEvents.HttpHeaders, _ => Enter())
            .On(HttpEvents.HttpDone, _ => Enter());

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.False(overlapped);
        Assert.Equal([HttpAttemptKind.Hedge], kinds);
        Assert.Equal(1, call.Response.RetryCount);
        Assert.Same(response, call.Response.HttpResponse);
        Assert.Equal(response.RequestMessage, HttpCall.For(request).Response.HttpResponse!.RequestMessage);
        Assert.InRange(call.Response.Attempt, 1, 2);
        Assert.Null(call.Response.Error);
    }

    [Fact]
    public async Task Retry_AttemptAfterAStatus_RaisesRetryWithTheStatusAndReturnsTheLastAttempt()
    {
        var statuses = new Queue<HttpStatusCode>([HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK]);
        var transport = new InlineHandler(_ => new HttpResponseMessage(statuses.Dequeue()) { Content = new ByteArrayContent(new byte[10]) });
        using var client = new HttpClient(Pipeline(new RetryOnceHandler(), transport));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/");
        var call = HttpCall.For(request);
        HttpRetryEvent? retry = null;
        call.On(HttpEvents.Retry, e => retry = e);

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.NotNull(retry);
        Assert.Equal((2, HttpAttemptKind.Retry, HttpStatusCode.ServiceUnavailable), (retry.Attempt, retry.Kind, retry.PreviousStatusCode!.Value));
        Assert.Null(retry.Delay);
        Assert.Equal(2, call.Response.Attempt);
        Assert.Equal(1, call.Response.RetryCount);
        Assert.Null(call.Response.Error);
    }

    [Fact]
    public async Task ReportAttemptDecided_BeforeTheNextAttempt_RaisesRetryOnceWithTheDelay()
    {
        var statuses = new Queue<HttpStatusCode>([HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK]);
        var transport = new InlineHandler(_ => new HttpResponseMessage(statuses.Dequeue()) { Content = new ByteArrayContent(new byte[10]) });
        using var client = new HttpClient(Pipeline(new RetryOnceHandler(announceDelay: TimeSpan.FromSeconds(2)), transport));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/");
        var call = HttpCall.For(request);
        var retries = new List<HttpRetryEvent>();
        call.On(HttpEvents.Retry, retries.Add);

        using var response = await client.SendAsync(request).WithTimeout();

        var retry = Assert.Single(retries);
        Assert.Equal((2, TimeSpan.FromSeconds(2)), (retry.Attempt, retry.Delay!.Value));
    }

    [Fact]
    public async Task Resend_RetryHandlerOutsideAHandBuiltEventingHandler_RaisesNothingAfterComplete()
    {
        var statuses = new Queue<HttpStatusCode>([HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK]);
        var transport = new InlineHandler(_ => new HttpResponseMessage(statuses.Dequeue()) { Content = new ByteArrayContent(new byte[10]) });
        using var client = new HttpClient(new RetryOnceHandler { InnerHandler = new EventingHandler(transport) });
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/");
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        // The first send is the call (it ended with the 503 its retry handler disposed); the re-send is not observed.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["httpHeaders:503", "error", "complete:True"], recorder.Names);
    }

    /// <summary>The factory's shape by hand: call-level handler, then <paramref name="middle"/>, then the attempt-level handler.</summary>
    private static CallHandler Pipeline(DelegatingHandler middle, HttpMessageHandler transport)
    {
        middle.InnerHandler = new AttemptHandler { InnerHandler = transport };
        return new CallHandler(new EventingOptions(), services: null) { InnerHandler = middle };
    }

    /// <summary>Starts two attempts at once on copies of the request (options included, as hedging does) and returns the first.</summary>
    private sealed class TwoAtOnceHedgingHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var first = Task.Run(() => base.SendAsync(Copy(request), cancellationToken), cancellationToken);
            var second = Task.Run(() => base.SendAsync(Copy(request), cancellationToken), cancellationToken);
            var winner = await Task.WhenAny(first, second);
            var loser = winner == first ? second : first;
            (await loser).Dispose();
            return await winner;
        }

        private static HttpRequestMessage Copy(HttpRequestMessage request)
        {
            var copy = new HttpRequestMessage(request.Method, request.RequestUri);
            foreach (var option in request.Options)
            {
                ((IDictionary<string, object?>)copy.Options)[option.Key] = option.Value;
            }

            return copy;
        }
    }

    /// <summary>Retries once on a non-success status, disposing the first response; optionally announces the retry first.</summary>
    private sealed class RetryOnceHandler(TimeSpan? announceDelay = null) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            var status = response.StatusCode;
            response.Dispose();
            if (announceDelay is { } delay)
            {
                HttpCall.For(request).ReportAttemptDecided(HttpAttemptKind.Retry, delay, previousError: null, status);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
