using System.Collections.Concurrent;
using System.Net;
using Handlers.Eventing.Internal;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Handlers.Eventing.Tests.DependencyInjection;

public class EventingHttpClientBuilderExtensionsTests
{
    private const string Success200 = "httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True";

    [Fact]
    public void AddEventing_NullArguments_Throw()
    {
        var builder = new ServiceCollection().AddHttpClient("c");

        Assert.Throws<ArgumentNullException>("builder", () => EventingHttpClientBuilderExtensions.AddEventing(null!));
        Assert.Throws<ArgumentNullException>("builder", () => EventingHttpClientBuilderExtensions.AddEventing(null!, _ => { }));
        Assert.Throws<ArgumentNullException>("configure", () => builder.AddEventing(null!));
    }

    [Fact]
    public void AddEventing_ReturnsTheSameBuilder()
    {
        var builder = new ServiceCollection().AddHttpClient("c");

        Assert.Same(builder, builder.AddEventing());
        Assert.Same(builder, builder.AddEventing(_ => { }));
    }

    [Fact]
    public async Task AddEventing_NamedClient_RaisesFullSequence()
    {
        var server = await LoopbackServer.Shared;
        using var services = new ServiceCollection().AddHttpClient("named").AddEventing().Services.BuildServiceProvider();
        using var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("named");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/50000"));
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(Success200, recorder.Compact());
        Assert.Equal(LoopbackServer.Pattern(50000), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, recorder.Call.Response.Attempt);
        Assert.Equal(0, recorder.Call.Response.RetryCount);
    }

    [Fact]
    public async Task AddEventing_SyncSend_RaisesFullSequence()
    {
        var server = await LoopbackServer.Shared;
        using var services = new ServiceCollection().AddHttpClient("sync").AddEventing().Services.BuildServiceProvider();
        using var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("sync");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/20000"));
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await Task.Run(() => client.Send(request)).WithTimeout();

        Assert.Equal(Success200, recorder.Compact());
        Assert.Equal(20000, recorder.Body.Length);
    }

    [Fact]
    public async Task AddEventing_Twice_RaisesEachEventOnce()
    {
        var server = await LoopbackServer.Shared;
        using var services = new ServiceCollection().AddHttpClient("twice").AddEventing().AddEventing().Services.BuildServiceProvider();
        using var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("twice");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/1000"));
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(Success200, recorder.Compact());
        Assert.Equal(1, recorder.Count("httpHeaders"));
        Assert.Equal(1, recorder.Count("complete"));
    }

    [Fact]
    public async Task AddEventing_TypedClient_RaisesEvents()
    {
        var server = await LoopbackServer.Shared;
        var services = new ServiceCollection();
        services.AddHttpClient<TypedClient>(c => c.BaseAddress = server.BaseAddress).AddEventing();
        using var provider = services.BuildServiceProvider();
        var typed = provider.GetRequiredService<TypedClient>();
        using var request = new HttpRequestMessage(HttpMethod.Get, "bytes/2000");
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await typed.Client.SendAsync(request).WithTimeout();

        Assert.Equal(Success200, recorder.Compact());
    }

    [Fact]
    public async Task AddEventing_ConfigureHttpClientDefaults_AppliesToEveryClient()
    {
        var server = await LoopbackServer.Shared;
        var starts = new ConcurrentQueue<string>();
        var services = new ServiceCollection();
        services.ConfigureHttpClientDefaults(b => b.AddEventing(o => o.OnCall(call => starts.Enqueue(call.Request.RequestUri!.AbsolutePath))));
        services.AddHttpClient("one");
        using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IHttpClientFactory>();

        foreach (var name in new[] { "one", "two", Options.DefaultName })
        {
            using var client = factory.CreateClient(name);
            using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/10"));
            var recorder = new EventRecorder(HttpCall.For(request));
            using var response = await client.SendAsync(request).WithTimeout();
            Assert.Equal(Success200, recorder.Compact());
        }

        Assert.Equal(3, starts.Count);
    }

    [Fact]
    public async Task AddEventing_OtherClient_RaisesNothing()
    {
        var server = await LoopbackServer.Shared;
        var services = new ServiceCollection();
        services.AddHttpClient("eventing").AddEventing();
        services.AddHttpClient("plain");
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("plain");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/10"));
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Empty(recorder.Names);
        Assert.False(recorder.Call.IsStarted);
    }

    [Fact]
    public void Filter_EachPipelineBuild_PlacesFreshCallHandlerFirstAndAttemptHandlerLast()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("placed")
            .AddHttpMessageHandler(() => new MarkerHandler("before"))
            .AddEventing()
            .AddHttpMessageHandler(() => new MarkerHandler("after"));
        using var provider = services.BuildServiceProvider();
        var filters = provider.GetServices<IHttpMessageHandlerBuilderFilter>().ToArray();
        Assert.Single(filters.OfType<EventingHandlerBuilderFilter>());

        var first = Build(provider, filters, "placed");
        var second = Build(provider, filters, "placed");

        foreach (var handlers in new[] { first, second })
        {
            Assert.IsType<CallHandler>(handlers[0]);
            Assert.IsType<AttemptHandler>(handlers[^1]);
            Assert.Equal(["before", "after"], handlers.OfType<MarkerHandler>().Select(h => h.Name));
            Assert.Single(handlers.OfType<CallHandler>());
            Assert.Single(handlers.OfType<AttemptHandler>());
        }

        Assert.NotSame(first[0], second[0]);
        Assert.NotSame(first[^1], second[^1]);
    }

    // Issue 22 (cost): with nothing between the call part and the attempt part, the pipeline gets one handler layer.
    [Fact]
    public void Filter_NoHandlerOfTheClients_PlacesOneFreshEventingHandler()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("alone").AddEventing();
        using var provider = services.BuildServiceProvider();
        var filters = provider.GetServices<IHttpMessageHandlerBuilderFilter>().ToArray();

        var first = Build(provider, filters, "alone");
        var second = Build(provider, filters, "alone");

        foreach (var handlers in new[] { first, second })
        {
            Assert.IsType<EventingHandler>(Assert.Single(handlers, static h => h is EventingHandler or CallHandler or AttemptHandler));
        }

        Assert.NotSame(first.OfType<EventingHandler>().Single(), second.OfType<EventingHandler>().Single());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Retry_On500_PerAttemptEventsRepeatWithAttemptNumbers(bool eventingFirst)
    {
        var server = await LoopbackServer.Shared;
        using var provider = BuildWithRetry("retry500", eventingFirst);
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("retry500");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"flaky/{LoopbackServer.NewKey()}?failures=2&status=500&n=3000"));
        var recorder = new EventRecorder(HttpCall.For(request));
        var attempts = Track(recorder.Call);

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            "httpHeaders:500,retry:2,httpHeaders:500,retry:3," + Success200,
            recorder.Compact());
        Assert.Equal([1, 2, 3], attempts.Headers);
        Assert.Equal([(2, HttpStatusCode.InternalServerError, false), (3, HttpStatusCode.InternalServerError, false)], attempts.Retries);
        Assert.All(recorder.DownloadProgress, p => Assert.Equal(3, p.Attempt));
        Assert.Equal(3000, recorder.DownloadProgress.Last().Loaded);
        Assert.Equal(2, recorder.Call.Response.RetryCount);
        Assert.Equal(3, recorder.Call.Response.Attempt);
        Assert.Same(response, recorder.Call.Response.HttpResponse);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Retry_OnTransportError_HttpErrorThenRetryWithPreviousError(bool eventingFirst)
    {
        var server = await LoopbackServer.Shared;
        using var provider = BuildWithRetry("retryReset", eventingFirst);
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("retryReset");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"flaky/{LoopbackServer.NewKey()}?failures=2&mode=reset&n=500"));
        var recorder = new EventRecorder(HttpCall.For(request));
        var attempts = Track(recorder.Call);

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal("httpError,retry:2,httpError,retry:3," + Success200, recorder.Compact());
        Assert.Equal([(2, (HttpStatusCode?)null, true), (3, null, true)], attempts.Retries);
        Assert.Equal([1, 2], attempts.Errors);
        Assert.Equal([3], attempts.Headers);
        Assert.Equal(2, recorder.Call.Response.RetryCount);
        Assert.Null(recorder.Call.Response.Error);
    }

    [Fact]
    public async Task Retry_BodyReadInsideAttempts_ProgressLoadedRestartsPerAttempt()
    {
        var server = await LoopbackServer.Shared;
        var services = new ServiceCollection();
        services.AddHttpClient("restart").AddEventing().AddTestRetry().AddBodyBuffering();
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("restart");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"flaky/{LoopbackServer.NewKey()}?failures=1&status=503&n=20000"));
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(
            "httpHeaders:503,httpDownloadProgress*,httpData*,httpDone,retry:2," + Success200,
            recorder.Compact());
        var byAttempt = recorder.DownloadProgress.GroupBy(p => p.Attempt).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal("failure 1".Length, byAttempt[1][^1].Loaded);
        Assert.Equal(20000, byAttempt[2][^1].Loaded); // counted from 0 again, not 9 + 20000
        Assert.Equal(20000, recorder.Body.Length - "failure 1".Length);
        Assert.Equal(1, recorder.Call.Response.RetryCount);
    }

    [Fact]
    public async Task Retry_Exhausted_OneErrorWithRetryCount()
    {
        var server = await LoopbackServer.Shared;
        var services = new ServiceCollection();
        services.AddHttpClient("exhausted").AddTestRetry(maxRetryAttempts: 2).AddEventing();
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("exhausted");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"flaky/{LoopbackServer.NewKey()}?failures=10&status=500"));
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("failure 3", await response.Content.ReadAsStringAsync());
        Assert.Equal(
            "httpHeaders:500,retry:2,httpHeaders:500,retry:3,httpHeaders:500,httpDownloadProgress*,httpData*,httpDone,error,complete:True",
            recorder.Compact());
        Assert.Equal(2, recorder.Call.Response.RetryCount);
        Assert.Equal(HttpStatusCode.InternalServerError, Assert.IsType<HttpRequestException>(recorder.Call.Response.Error).StatusCode);
    }

    [Fact]
    public async Task Retry_ExhaustedOnTransportErrors_ThrowsAndEndsOnce()
    {
        var server = await LoopbackServer.Shared;
        var services = new ServiceCollection();
        services.AddHttpClient("exhaustedReset").AddEventing().AddTestRetry(maxRetryAttempts: 2);
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("exhaustedReset");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"flaky/{LoopbackServer.NewKey()}?failures=10&mode=reset"));
        var recorder = new EventRecorder(HttpCall.For(request));

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request)).WithTimeout();

        Assert.Equal("httpError,retry:2,httpError,retry:3,httpError,error,complete:True", recorder.Compact());
        Assert.Same(ex, recorder.Call.Response.Error);
        Assert.Same(ex, recorder.HttpErrors.Last());
        Assert.Equal(2, recorder.Call.Response.RetryCount);
    }

    [Fact]
    public async Task HandBuilt_EventingOutermostRetryInside_OneAttemptOneComplete()
    {
        var server = await LoopbackServer.Shared;
        using var client = new HttpClient(new EventingHandler(new ResilienceHandler(new ResiliencePipelineBuilder<HttpResponseMessage>().AddRetry(ResilienceTestExtensions.NoDelayRetry()).Build()) { InnerHandler = new SocketsHttpHandler() }));
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"flaky/{LoopbackServer.NewKey()}?failures=2&status=500&n=100"));
        var recorder = new EventRecorder(HttpCall.For(request));
        var attempts = Track(recorder.Call);

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Success200, recorder.Compact());
        Assert.Equal([1], attempts.Headers);
        Assert.Equal(0, recorder.Call.Response.RetryCount);
    }

    [Fact]
    public async Task OnCall_ClientLevelListeners_RunBeforeCallListenersOncePerCall()
    {
        var server = await LoopbackServer.Shared;
        var order = new ConcurrentQueue<string>();
        var configured = 0;
        var services = new ServiceCollection();
        services.AddHttpClient("listeners")
            .AddEventing(o => o.OnCall(call =>
            {
                Interlocked.Increment(ref configured);
                call.On(HttpEvents.HttpHeaders, e => order.Enqueue($"client:headers:{e.Attempt}"));
                call.On(HttpEvents.Complete, _ => order.Enqueue("client:complete"));
            }))
            .AddTestRetry();
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("listeners");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"flaky/{LoopbackServer.NewKey()}?failures=1"));
        var call = HttpCall.For(request)
            .On(HttpEvents.HttpHeaders, e => order.Enqueue($"call:headers:{e.Attempt}"))
            .On(HttpEvents.Complete, _ => order.Enqueue("call:complete"));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(1, configured);
        Assert.Equal(
            ["client:headers:1", "call:headers:1", "client:headers:2", "call:headers:2", "client:complete", "call:complete"],
            order.ToArray());
    }

    [Fact]
    public async Task OnCall_WithServiceProvider_ResolvesServicesPerCall()
    {
        var server = await LoopbackServer.Shared;
        var services = new ServiceCollection();
        services.AddSingleton<CallLog>();
        services.AddHttpClient("services")
            .AddEventing(o => o.OnCall((call, sp) =>
            {
                var log = sp.GetRequiredService<CallLog>();
                call.On(HttpEvents.Complete, r => log.Ended.Enqueue($"{(int)r.StatusCode!} {r.Call.Request.RequestUri!.AbsolutePath}"));
            }));
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("services");

        (await client.GetAsync(server.Url("bytes/10")).WithTimeout()).Dispose();
        (await client.GetAsync(server.Url("status/404")).WithTimeout()).Dispose();

        Assert.Equal(["200 /bytes/10", "404 /status/404"], provider.GetRequiredService<CallLog>().Ended.ToArray());
    }

    [Fact]
    public void Validation_NegativeThrottleInterval_CreateClientThrowsNamingTheValue()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("invalid").AddEventing(o => o.ProgressThrottle = new ProgressThrottle { MinimumInterval = TimeSpan.FromSeconds(-1) });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IHttpClientFactory>().CreateClient("invalid"));

        Assert.Contains(
            "HttpClient 'invalid': EventingOptions.ProgressThrottle.MinimumInterval is -00:00:01; it must be TimeSpan.Zero (no time limit) or positive.",
            ex.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_NegativeThrottleBytes_FailsAtStartupValidation()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("invalidBytes").AddEventing(o => o.ProgressThrottle = new ProgressThrottle { MinimumBytes = -5 });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("MinimumBytes is -5", ex.Message, StringComparison.Ordinal);
        Assert.Contains("invalidBytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_ConfigureHttpClientDefaults_FailsWhenTheClientIsCreated()
    {
        var services = new ServiceCollection();
        services.ConfigureHttpClientDefaults(b => b.AddEventing(o => o.ProgressThrottle = new ProgressThrottle { TimeProvider = null! }));
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IHttpClientFactory>().CreateClient("any"));

        Assert.Contains("HttpClient 'any': EventingOptions.ProgressThrottle.TimeProvider is null", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_ValidOptions_Pass()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("valid").AddEventing(o => o.ProgressThrottle = new ProgressThrottle { MinimumBytes = 10, MinimumInterval = TimeSpan.FromMilliseconds(5) });
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("valid");
        Assert.True(provider.GetRequiredService<IOptionsMonitor<EventingOptions>>().Get("valid").Enabled);
    }

    private static ServiceProvider BuildWithRetry(string name, bool eventingFirst)
    {
        var services = new ServiceCollection();
        var builder = services.AddHttpClient(name);
        if (eventingFirst)
        {
            builder.AddEventing().AddTestRetry();
        }
        else
        {
            builder.AddTestRetry().AddEventing();
        }

        return services.BuildServiceProvider();
    }

    private static AttemptLog Track(HttpCall call)
    {
        var log = new AttemptLog();
        call.On(HttpEvents.HttpHeaders, e => log.Headers.Add(e.Attempt));
        call.On(HttpEvents.HttpError, e => log.Errors.Add(e.Attempt));
        call.On(HttpEvents.Retry, e =>
        {
            Assert.True(e.PreviousStatusCode is null || e.PreviousError is null);
            log.Retries.Add((e.Attempt, e.PreviousStatusCode, e.PreviousError is HttpRequestException));
        });
        return log;
    }

    private static List<DelegatingHandler> Build(IServiceProvider provider, IHttpMessageHandlerBuilderFilter[] filters, string name)
    {
        var factoryOptions = provider.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>().Get(name);
        Action<HttpMessageHandlerBuilder> configure = b =>
        {
            foreach (var action in factoryOptions.HttpMessageHandlerBuilderActions)
            {
                action(b);
            }
        };
        for (var i = filters.Length - 1; i >= 0; i--)
        {
            configure = filters[i].Configure(configure);
        }

        var builder = new TestHandlerBuilder(name, provider);
        configure(builder);

        // The factory's own logging filter wraps ours and puts its handlers outside everything: leave them out.
        return [.. builder.AdditionalHandlers.Where(h => h.GetType().Namespace != "Microsoft.Extensions.Http.Logging")];
    }

    private sealed class AttemptLog
    {
        public List<int> Headers { get; } = [];

        public List<int> Errors { get; } = [];

        public List<(int Attempt, HttpStatusCode? Status, bool Error)> Retries { get; } = [];
    }

    private sealed class TestHandlerBuilder(string name, IServiceProvider services) : HttpMessageHandlerBuilder
    {
        public override string? Name { get; set; } = name;

        public override HttpMessageHandler PrimaryHandler { get; set; } = new SocketsHttpHandler();

        public override IList<DelegatingHandler> AdditionalHandlers { get; } = [];

        public override IServiceProvider Services => services;

        public override HttpMessageHandler Build() => CreateHandlerPipeline(PrimaryHandler, AdditionalHandlers);
    }

    private sealed class MarkerHandler(string name) : DelegatingHandler
    {
        public string Name => name;
    }

    public sealed class TypedClient(HttpClient client)
    {
        public HttpClient Client => client;
    }

    public sealed class CallLog
    {
        public ConcurrentQueue<string> Ended { get; } = new();
    }
}
