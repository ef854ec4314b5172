using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;
using Polly.Timeout;
using static Handlers.Eventing.Tests.Resilience.ResilienceClients;

namespace Handlers.Eventing.Tests.Resilience;

/// <summary>
/// Every strategy of <c>AddStandardResilienceHandler()</c> against the Kestrel fixture, in both registration orders and through
/// <c>ConfigureHttpClientDefaults</c>: what the caller gets, and the exact events of the call (docs/resilience.md).
/// </summary>
public sealed class StandardResilienceHandlerTests
{
    private const string Success = "httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True";

    [Theory]
    [MemberData(nameof(Registrations), MemberType = typeof(ResilienceClients))]
    public async Task Retry_OnStatus_EachAttemptShowsThenOneSuccess(Registration registration)
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        using var provider = Build(registration, b => b.AddStandardResilienceHandler(o => NoDelay(o.Retry)));
        using var client = provider.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=503,500,200&n=3000"));
        var recorder = new EventRecorder(HttpCall.For(request));
        var retries = Retries(recorder.Call);

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3000, (await response.Content.ReadAsByteArrayAsync()).Length);
        Assert.Equal("httpHeaders:503,retry:2,httpHeaders:500,retry:3," + Success, recorder.Compact());
        Assert.Equal(
            [(2, HttpAttemptKind.Retry, HttpStatusCode.ServiceUnavailable, null), (3, HttpAttemptKind.Retry, HttpStatusCode.InternalServerError, null)],
            Shape(retries));
        Assert.Equal(2, recorder.Call.Response.RetryCount);
        Assert.Equal(3, recorder.Call.Response.Attempt);
        Assert.Equal(3, LoopbackServer.ResilienceRequests(key));
    }

    [Theory]
    [MemberData(nameof(Registrations), MemberType = typeof(ResilienceClients))]
    public async Task Retry_OnTransportError_HttpErrorThenRetryThenOneSuccess(Registration registration)
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        using var provider = Build(registration, b => b.AddStandardResilienceHandler(o => NoDelay(o.Retry)));
        using var client = provider.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=reset,200&n=500"));
        var recorder = new EventRecorder(HttpCall.For(request));
        var retries = Retries(recorder.Call);

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("httpError,retry:2," + Success, recorder.Compact());
        Assert.Equal([(2, HttpAttemptKind.Retry, null, typeof(HttpRequestException))], Shape(retries));
        Assert.IsType<HttpRequestException>(Assert.Single(recorder.HttpErrors));
        Assert.Equal(1, recorder.Call.Response.RetryCount);
    }

    [Theory]
    [MemberData(nameof(Registrations), MemberType = typeof(ResilienceClients))]
    public async Task Retry_Exhausted_CallerGetsTheLastResponseAndTheCallEndsOnceInError(Registration registration)
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        using var provider = Build(registration, b => b.AddStandardResilienceHandler(o =>
        {
            NoDelay(o.Retry);
            o.Retry.MaxRetryAttempts = 2;
        }));
        using var client = provider.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=503"));
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("failure 3", await response.Content.ReadAsStringAsync());
        Assert.Equal(
            "httpHeaders:503,retry:2,httpHeaders:503,retry:3,httpHeaders:503,httpDownloadProgress*,httpData*,httpDone,error,complete:True",
            recorder.Compact());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, Assert.IsType<HttpRequestException>(recorder.Call.Response.Error).StatusCode);
        Assert.Equal(2, recorder.Call.Response.RetryCount);
    }

    [Theory]
    [MemberData(nameof(Registrations), MemberType = typeof(ResilienceClients))]
    public async Task AttemptTimeout_TimedOutAttemptEndsQuietlyAndTheNextOneRuns(Registration registration)
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        using var provider = Build(registration, b => b.AddStandardResilienceHandler(o =>
        {
            NoDelay(o.Retry);
            // Long enough that an answering attempt never times out on a loaded machine (300 ms did, under a parallel suite plus
            // another process on two cores: the 503 timed out and every step came one request late); the hang step still does.
            o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(2);
        }));
        using var client = provider.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=hang,200&n=800"));
        var recorder = new EventRecorder(HttpCall.For(request));
        var retries = Retries(recorder.Call);

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("retry:2," + Success, recorder.Compact());   // attempt 1: no httpHeaders, no httpError
        Assert.Empty(recorder.HttpErrors);
        var retry = Assert.Single(retries);
        Assert.Null(retry.PreviousStatusCode);
        Assert.IsType<TimeoutRejectedException>(retry.PreviousError);   // Polly's outcome, not the attempt's cancellation
        Assert.Equal(2, recorder.Call.Response.Attempt);
        Assert.Equal(2, LoopbackServer.ResilienceRequests(key));
    }

    [Theory]
    [MemberData(nameof(Registrations), MemberType = typeof(ResilienceClients))]
    public async Task TotalTimeout_CallEndsOnceInErrorWithTheExceptionTheCallerSees(Registration registration)
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        using var provider = Build(registration, b => b.AddStandardResilienceHandler(o =>
        {
            NoDelay(o.Retry);
            o.AttemptTimeout.Timeout = TimeSpan.FromMilliseconds(200);
            o.TotalRequestTimeout.Timeout = TimeSpan.FromMilliseconds(1000);
        }));
        using var client = provider.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=hang"));
        var recorder = new EventRecorder(HttpCall.For(request));

        var ex = await Assert.ThrowsAsync<TimeoutRejectedException>(() => client.SendAsync(request)).WithTimeout();

        Assert.Same(ex, recorder.Call.Response.Error);
        Assert.Equal(1, recorder.Count("error"));
        Assert.Equal(1, recorder.Count("complete"));
        Assert.Empty(recorder.HttpErrors);
        Assert.Matches("^(retry:[0-9],)*error,complete:True$", recorder.Compact());   // how many retries fit in the second depends on the load
        Assert.Equal(recorder.Count("retry"), recorder.Call.Response.RetryCount);
        Assert.Equal(0, recorder.Call.Response.Attempt);   // no attempt returned a response
    }

    [Theory]
    [MemberData(nameof(Registrations), MemberType = typeof(ResilienceClients))]
    public async Task CircuitOpen_NoAttemptAndTheCallEndsOnceInErrorWithTheExceptionTheCallerSees(Registration registration)
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        var control = new CircuitBreakerManualControl(isIsolated: true);
        using var provider = Build(registration, b => b.AddStandardResilienceHandler(o => o.CircuitBreaker.ManualControl = control));
        using var client = provider.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=200"));
        var recorder = new EventRecorder(HttpCall.For(request));

        var ex = await Assert.ThrowsAsync<IsolatedCircuitException>(() => client.SendAsync(request)).WithTimeout();

        Assert.Same(ex, recorder.Call.Response.Error);
        Assert.Equal("error,complete:True", recorder.Compact());
        Assert.Equal(0, recorder.Call.Response.Attempt);
        Assert.Equal(0, recorder.Call.Response.RetryCount);
        Assert.Equal(0, LoopbackServer.ResilienceRequests(key));
    }

    [Theory]
    [MemberData(nameof(Registrations), MemberType = typeof(ResilienceClients))]
    public async Task Retry_Post_UploadProgressStartsOverForEachAttempt(Registration registration)
    {
        const int size = 300_000;
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        using var provider = Build(registration, b => b.AddStandardResilienceHandler(o => NoDelay(o.Retry)));
        using var client = provider.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url($"resilience/steps/{key}?s=503,200"))
        {
            Content = new ByteArrayContent(LoopbackServer.Pattern(size)),
        };
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(size.ToString(System.Globalization.CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync());
        Assert.Equal(
            "httpUploadProgress*,httpHeaders:503,retry:2,httpUploadProgress*,httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True",
            recorder.Compact());
        var byAttempt = recorder.UploadProgress.GroupBy(p => p.Attempt).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal([1, 2], byAttempt.Keys.Order());
        foreach (var attempt in byAttempt.Values)
        {
            Assert.True(attempt.Count > 1, "a 300 kB body reports as it goes");
            Assert.Equal(size, attempt[^1].Loaded);
            Assert.All(attempt, p => Assert.Equal(size, p.Total));
            Assert.Equal(attempt.Select(p => p.Loaded).Order(), attempt.Select(p => p.Loaded));
        }

        Assert.Equal(size, recorder.Call.Response.BytesSent);   // the last attempt's
    }
}
