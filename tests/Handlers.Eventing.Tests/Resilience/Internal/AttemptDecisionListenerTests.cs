using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Handlers.Eventing.Internal;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Hedging;
using Polly.Registry;
using Polly.Retry;
using Polly.Telemetry;
using Polly.Timeout;
using static Handlers.Eventing.Tests.Resilience.ResilienceClients;

namespace Handlers.Eventing.Tests.Resilience;

/// <summary>
/// <see cref="HttpEvents.Retry"/> when Polly decides: before the back-off delay, with the delay, once per attempt; and when the
/// next attempt starts (no delay) when no Polly strategy reports the decision. The two strings the listener reads from other
/// packages (the request's property key, the hedging event's name) are pinned against the referenced versions, and a retry of an
/// HTTP pipeline that carries no request is logged once at Debug.
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
            // Long enough that an answering attempt never times out on a loaded machine (300 ms did, under a parallel suite plus
            // another process on two cores: the 503 timed out and every step came one request late); the hang step still does.
            o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(2);
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
        Assert.Equal(0, recorder.Call.Response.RetryCount); // the announced attempt never started
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

        Assert.IsType<AttemptDecisionListener>(Assert.Single(listeners));
    }

    [Fact]
    public async Task RequestMessageKey_RealStandardResilienceHandler_IsTheKeyItKeepsTheRequestUnder()
    {
        // Read during the attempt: the handler returns its context to the pool, cleared, when the call ends.
        HttpRequestMessage? sent = null;
        HttpRequestMessage? underTheKey = null;
        HttpRequestMessage? fromThePackage = null;
        var services = new ServiceCollection();
        services.AddHttpClient("pinned")
            .ConfigurePrimaryHttpMessageHandler(() => new InlineHandler(r =>
            {
                sent = r;
                var context = r.GetResilienceContext()!;
                context.Properties.TryGetValue(AttemptDecisionListener.RequestMessageKey, out underTheKey);
#pragma warning disable EXTEXP0001 // The package's own accessor is experimental; here it only confirms the key.
                fromThePackage = context.GetRequestMessage();
#pragma warning restore EXTEXP0001
                return new HttpResponseMessage(HttpStatusCode.OK);
            }))
            .AddStandardResilienceHandler();
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("pinned");

        using var response = await client.GetAsync(new Uri("http://pinned.test/")).WithTimeout();

        Assert.NotNull(sent);
        Assert.Same(sent, fromThePackage);
        Assert.True(ReferenceEquals(sent, underTheKey),
            $"Microsoft.Extensions.Http.Resilience no longer keeps the request under '{AttemptDecisionListener.RequestMessageKey.Key}'");
    }

    [Fact]
    public async Task OnHedgingEventName_RealStandardHedgingHandler_IsTheEventOfAHedgedAttempt()
    {
        var events = new ConcurrentQueue<(string Name, Type Arguments)>();
        var attempts = 0;
        var services = new ServiceCollection();
        services.Configure<TelemetryOptions>(o => o.TelemetryListeners.Add(new RecordingListener(events)));
        services.AddHttpClient("pinned")
            .ConfigurePrimaryHttpMessageHandler(() => new InlineHandler(_ => new HttpResponseMessage(
                Interlocked.Increment(ref attempts) == 1 ? HttpStatusCode.InternalServerError : HttpStatusCode.OK)))
            .AddStandardHedgingHandler();
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("pinned");

        using var response = await client.GetAsync(new Uri("http://pinned.test/")).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, attempts);
        var hedging = Assert.Single(events, e => e.Arguments.IsGenericType && e.Arguments.GetGenericTypeDefinition() == typeof(OnHedgingArguments<>));
        Assert.Equal(AttemptDecisionListener.OnHedgingEventName, hedging.Name);
    }

    [Fact]
    public async Task Retry_HttpPipelineRunByHandWithoutRequest_LogsOneDebugLine()
    {
        var logs = new CapturingLoggerProvider();
        using var provider = BuildWithLogs(logs);
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(ResilienceTestExtensions.NoDelayRetry())
            .ConfigureTelemetry(provider.GetRequiredService<IOptions<TelemetryOptions>>().Value)
            .Build();
        var attempts = 0;

        using var response = await pipeline.ExecuteAsync(_ => ++attempts == 1
            ? throw new HttpRequestException("refused")
            : ValueTask.FromResult(new HttpResponseMessage(HttpStatusCode.OK))).AsTask().WithTimeout();

        Assert.Equal(2, attempts);
        var record = Assert.Single(logs.ForCategory(AttemptDecisionListener.LoggerCategory));
        Assert.Equal(LogLevel.Debug, record.Level);
        Assert.Equal(8, record.EventId.Id);
        Assert.Equal("RetryWithoutRequest", record.EventId.Name);
        Assert.Equal(2, record["Attempt"]);
    }

    [Fact]
    public async Task Retry_ThroughResilienceHandler_LogsNoRequestLine()
    {
        var logs = new CapturingLoggerProvider();
        var attempts = 0;
        using var provider = BuildWithLogs(logs, b => b
            .ConfigurePrimaryHttpMessageHandler(() => new InlineHandler(_ => new HttpResponseMessage(
                Interlocked.Increment(ref attempts) == 1 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK)))
            .AddTestRetry());
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("logged");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://logged.test/"));
        var retries = Retries(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(2, attempts);
        Assert.Equal(TimeSpan.Zero, Assert.Single(retries).Delay);
        Assert.Empty(logs.ForCategory(AttemptDecisionListener.LoggerCategory));
    }

    [Fact]
    public async Task Retry_NonHttpPipelineWithoutRequest_LogsNothing()
    {
        var logs = new CapturingLoggerProvider();
        using var provider = BuildWithLogs(logs);
        var pipeline = new ResiliencePipelineBuilder<int>()
            .AddRetry(new RetryStrategyOptions<int> { Delay = TimeSpan.Zero, ShouldHandle = a => ValueTask.FromResult(a.Outcome.Result == 0) })
            .ConfigureTelemetry(provider.GetRequiredService<IOptions<TelemetryOptions>>().Value)
            .Build();
        var attempts = 0;

        var result = await pipeline.ExecuteAsync(_ => ValueTask.FromResult(++attempts == 1 ? 0 : 1)).AsTask().WithTimeout();

        Assert.Equal(1, result);
        Assert.Equal(2, attempts);
        Assert.Empty(logs.ForCategory(AttemptDecisionListener.LoggerCategory));
    }

    private static ServiceProvider BuildWithLogs(CapturingLoggerProvider logs, Action<IHttpClientBuilder>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var builder = services.AddHttpClient("logged").AddEventing();
        configure?.Invoke(builder);
        return services.BuildServiceProvider();
    }

    private sealed class RecordingListener(ConcurrentQueue<(string Name, Type Arguments)> events) : TelemetryListener
    {
        public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args) =>
            events.Enqueue((args.Event.EventName, typeof(TArgs)));
    }
}
