using System.Diagnostics;
using System.Net;
using Handlers.Eventing.Internal;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;
using Polly.Telemetry;
using Polly.Timeout;
using static Handlers.Eventing.Tests.Resilience.ResilienceClients;

namespace Handlers.Eventing.Tests.Resilience;

/// <summary>
/// <see cref="HttpEvents.Retry"/> when Polly decides: before the back-off delay, with the delay, once per attempt; and when the
/// next attempt starts (no delay) when no Polly strategy reports the decision.
/// </summary>
public sealed class AttemptDecisionListenerTests
{
    [Fact]
    public async Task Retry_FakeTime_RaisedAtTheDecisionBeforeTheDelayWithTheDelay()
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        var delay = TimeSpan.FromSeconds(2);
        var time = new DelaySignallingTimeProvider(delay);
        using var provider = Build(
            Registration.EventingFirst,
            b => b.AddStandardResilienceHandler(o => Constant(o.Retry, delay)),
            services => services.AddSingleton<TimeProvider>(time));
        using var client = provider.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=503,200"));
        var call = HttpCall.For(request);
        var retried = new TaskCompletionSource<HttpRetryEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var requestsAtRetry = -1;
        call.On(HttpEvents.Retry, e =>
        {
            requestsAtRetry = LoopbackServer.ResilienceRequests(key);
            retried.TrySetResult(e);
        });

        var send = client.SendAsync(request);
        try
        {
            var retry = await retried.Task.WithTimeout();
            await time.DelayStarted.WithTimeout();

            // Raised with the delay, while the clock that runs the delay has not moved: the second attempt has not started.
            Assert.Equal(delay, retry.Delay);
            Assert.Equal(2, retry.Attempt);
            Assert.Equal(HttpAttemptKind.Retry, retry.Kind);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, retry.PreviousStatusCode);
            Assert.Equal(1, requestsAtRetry);
            Assert.Equal(1, LoopbackServer.ResilienceRequests(key));
            Assert.False(send.IsCompleted);
        }
        finally
        {
            // Let the call finish whatever happened above: disposing the services waits for the pipeline's executions, on this
            // clock, so a call left waiting for its delay would hang the test instead of failing it.
            await time.DelayStarted.WithTimeout();
            time.Advance(delay);
            await ((Task)send).ContinueWith(static _ => { }, TaskScheduler.Default).WithTimeout();
        }

        using var response = await send.WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, LoopbackServer.ResilienceRequests(key));
        Assert.Equal(1, call.Response.RetryCount);
        Assert.Equal(2, call.Response.Attempt);
    }

    [Fact]
    public async Task Retry_RealDelay_EventArrivesAtLeastTheDelayBeforeTheNextAttempt()
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        var delay = TimeSpan.FromMilliseconds(400);
        using var provider = Build(Registration.ResilienceFirst, b => b.AddStandardResilienceHandler(o => Constant(o.Retry, delay)));
        using var client = provider.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=500,200"));
        var retryAt = 0L;
        TimeSpan? retryDelay = null;
        HttpCall.For(request).On(HttpEvents.Retry, e =>
        {
            retryAt = Stopwatch.GetTimestamp();
            retryDelay = e.Delay;
        });
        var secondArrived = LoopbackServer.ResilienceRequestArrived(key, 2).ContinueWith(
            static _ => Stopwatch.GetTimestamp(), TaskScheduler.Default);

        using var response = await client.SendAsync(request).WithTimeout();
        var secondAt = await secondArrived.WithTimeout();

        Assert.Equal(delay, retryDelay);
        Assert.NotEqual(0, retryAt);
        // Timers may fire up to a tick early; the event came before the whole wait, not after it.
        Assert.True(
            Stopwatch.GetElapsedTime(retryAt, secondAt) >= delay - TimeSpan.FromMilliseconds(20),
            $"retry raised {Stopwatch.GetElapsedTime(retryAt, secondAt).TotalMilliseconds} ms before the second attempt; the delay is {delay.TotalMilliseconds} ms");
    }

    [Theory]
    [MemberData(nameof(Registrations), MemberType = typeof(ResilienceClients))]
    public async Task Retry_EveryRegistration_DelayAndPreviousOutcomeFromPolly(Registration registration)
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        using var provider = Build(registration, b => b.AddStandardResilienceHandler(o =>
        {
            Constant(o.Retry, TimeSpan.FromMilliseconds(20));
            o.AttemptTimeout.Timeout = TimeSpan.FromMilliseconds(300);
        }));
        using var client = provider.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=503,reset,hang,200"));
        var recorder = new EventRecorder(HttpCall.For(request));
        var retries = Retries(recorder.Call);

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal("httpHeaders:503,retry:2,httpError,retry:3,retry:4,httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        Assert.Equal(
            [
                (2, HttpAttemptKind.Retry, HttpStatusCode.ServiceUnavailable, null),
                (3, HttpAttemptKind.Retry, null, typeof(HttpRequestException)),
                (4, HttpAttemptKind.Retry, null, typeof(TimeoutRejectedException)),   // Polly's outcome, not the attempt's cancellation
            ],
            Shape(retries));
        Assert.All(retries, r => Assert.Equal(TimeSpan.FromMilliseconds(20), r.Delay));
        Assert.Equal(3, recorder.Call.Response.RetryCount);
    }

    [Fact]
    public async Task Retry_TotalTimeoutDuringTheDelay_RetryRaisedButNoAttemptFollows()
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        var delay = TimeSpan.FromSeconds(10);
        var time = new DelaySignallingTimeProvider(delay);
        using var provider = Build(
            Registration.EventingFirst,
            b => b.AddStandardResilienceHandler(o =>
            {
                Constant(o.Retry, delay);
                o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(5);
                o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(1);
            }),
            services => services.AddSingleton<TimeProvider>(time));
        using var client = provider.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=503,200"));
        var recorder = new EventRecorder(HttpCall.For(request));

        var send = client.SendAsync(request);
        await time.DelayStarted.WithTimeout();
        time.Advance(TimeSpan.FromSeconds(5));
        var ex = await Assert.ThrowsAsync<TimeoutRejectedException>(() => send).WithTimeout();

        Assert.Equal("httpHeaders:503,retry:2,error,complete:True", recorder.Compact());
        Assert.Same(ex, recorder.Call.Response.Error);
        Assert.Equal(1, LoopbackServer.ResilienceRequests(key));
        Assert.Equal(1, recorder.Call.Response.Attempts);
    }

    [Fact]
    public async Task OwnPipeline_FromPollyDependencyInjection_RaisedAtTheDecision()
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        var services = new ServiceCollection();
        services.AddResiliencePipeline<string, HttpResponseMessage>("own", b => b.AddRetry(ResilienceTestExtensions.NoDelayRetry()));
        services.AddHttpClient("own")
            .AddHttpMessageHandler(sp => new ResilienceHandler(sp.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline<HttpResponseMessage>("own")))
            .AddEventing();
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("own");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=reset,502,200"));
        var retries = Retries(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(
            [(2, HttpAttemptKind.Retry, null, typeof(HttpRequestException)), (3, HttpAttemptKind.Retry, HttpStatusCode.BadGateway, null)],
            Shape(retries));
        Assert.All(retries, r => Assert.Equal(TimeSpan.Zero, r.Delay));
    }

    [Fact]
    public async Task OwnPipeline_HandBuiltWithTheTelemetryOptionsOfTheContainer_RaisedAtTheDecision()
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        var services = new ServiceCollection();
        services.AddHttpClient("own")
            .AddHttpMessageHandler(sp => new ResilienceHandler(new ResiliencePipelineBuilder<HttpResponseMessage>()
                .AddRetry(ResilienceTestExtensions.NoDelayRetry())
                .ConfigureTelemetry(sp.GetRequiredService<IOptions<TelemetryOptions>>().Value)
                .Build()))
            .AddEventing();
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("own");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=503,200"));
        var retries = Retries(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        var retry = Assert.Single(retries);
        Assert.Equal(TimeSpan.Zero, retry.Delay);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, retry.PreviousStatusCode);
    }

    [Fact]
    public async Task OwnPipeline_WithoutTelemetry_RaisedWhenTheAttemptStartsWithoutDelay()
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        var services = new ServiceCollection();
        services.AddHttpClient("own")
            .AddHttpMessageHandler(() => new ResilienceHandler(new ResiliencePipelineBuilder<HttpResponseMessage>()
                .AddRetry(ResilienceTestExtensions.NoDelayRetry())
                .Build()))
            .AddEventing();
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("own");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=503,200"));
        var recorder = new EventRecorder(HttpCall.For(request));
        var retries = Retries(recorder.Call);

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal("httpHeaders:503,retry:2,httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        var retry = Assert.Single(retries);
        Assert.Null(retry.Delay);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, retry.PreviousStatusCode);
    }

    [Fact]
    public void AddEventing_ManyClients_AddsTheListenerToPollysTelemetryOptionsOnce()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("a").AddEventing();
        services.AddHttpClient("b").AddEventing(o => o.LogLifecycle = true);
        services.ConfigureHttpClientDefaults(b => b.AddEventing());
        using var provider = services.BuildServiceProvider();

        var listeners = provider.GetRequiredService<IOptions<TelemetryOptions>>().Value.TelemetryListeners;

        Assert.Same(AttemptDecisionListener.Instance, Assert.Single(listeners));
    }
}
