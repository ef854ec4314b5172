using System.Collections.Concurrent;
using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Handlers.Eventing.Tests.Calls;

/// <summary>
/// <see cref="HttpCall.Observe"/> (design.md r3 §4, "Reaching a call whose request you never hold"): every call that starts in
/// the scope's async flow is configured once, before its first event; scopes nest outer first and flow like an AsyncLocal; calls
/// that a handler of the pipeline or a listener of a call starts are not the scope's. Against the real Kestrel loopback server.
/// </summary>
public class ObserveTests
{
    [Theory]
    [PipelineShapes]
    public async Task Observe_CallsStartedInTheScope_EachConfiguredBeforeItsFirstEvent(PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false, shape);
        var recorders = new ConcurrentQueue<EventRecorder>();

        using (HttpCall.Observe(call => recorders.Enqueue(new EventRecorder(call))))
        {
            await client.GetByteArrayAsync(server.Url("bytes/1000")).WithTimeout();
            using var response = await client.GetAsync(server.Url("bytes/10")).WithTimeout();
        }

        await client.GetByteArrayAsync(server.Url("bytes/20")).WithTimeout();

        Assert.Equal(2, recorders.Count);
        Assert.All(recorders, recorder =>
            Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact()));
        Assert.Equal(
            ["/bytes/1000", "/bytes/10"],
            recorders.Select(recorder => recorder.Call.Request.RequestUri!.AbsolutePath));
    }

    [Fact]
    public async Task Observe_SynchronousSend_ConfiguredAndTheScopeStillConfiguresTheNextCall()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false);
        var configured = new ConcurrentQueue<string>();

        using (HttpCall.Observe(call => configured.Enqueue(call.Request.RequestUri!.AbsolutePath)))
        {
            using (var response = client.Send(server.Request(http2: false, "bytes/100")))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            await client.GetByteArrayAsync(server.Url("bytes/101")).WithTimeout();
        }

        Assert.Equal(["/bytes/100", "/bytes/101"], configured);
    }

    [Fact]
    public async Task Observe_NestedScopes_OuterConfiguresFirstAndEachStopsWhenDisposed()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false);
        var configured = new ConcurrentQueue<string>();

        var outer = HttpCall.Observe(call => configured.Enqueue($"{call.Request.RequestUri!.AbsolutePath} outer"));
        var inner = HttpCall.Observe(call => configured.Enqueue($"{call.Request.RequestUri!.AbsolutePath} inner"));
        await client.GetByteArrayAsync(server.Url("bytes/1")).WithTimeout();
        inner.Dispose();
        await client.GetByteArrayAsync(server.Url("bytes/2")).WithTimeout();
        outer.Dispose();
        await client.GetByteArrayAsync(server.Url("bytes/3")).WithTimeout();

        Assert.Equal(["/bytes/1 outer", "/bytes/1 inner", "/bytes/2 outer"], configured);
    }

    [Fact]
    public async Task Observe_DisposedOutOfOrder_EachScopeStopsAlone()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false);
        var configured = new ConcurrentQueue<string>();

        var outer = HttpCall.Observe(call => configured.Enqueue($"{call.Request.RequestUri!.AbsolutePath} outer"));
        var inner = HttpCall.Observe(call => configured.Enqueue($"{call.Request.RequestUri!.AbsolutePath} inner"));
        outer.Dispose();
        await client.GetByteArrayAsync(server.Url("bytes/1")).WithTimeout();
        inner.Dispose();
        await client.GetByteArrayAsync(server.Url("bytes/2")).WithTimeout();
        using (HttpCall.Observe(call => configured.Enqueue($"{call.Request.RequestUri!.AbsolutePath} next")))
        {
            await client.GetByteArrayAsync(server.Url("bytes/3")).WithTimeout();
        }

        Assert.Equal(["/bytes/1 inner", "/bytes/3 next"], configured);
    }

    [Fact]
    public async Task Observe_DisposedTwice_NoOpAndAnEnclosingScopeGoesOn()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false);
        var configured = new ConcurrentQueue<string>();

        using (HttpCall.Observe(call => configured.Enqueue("outer")))
        {
            var inner = HttpCall.Observe(call => configured.Enqueue("inner"));
            inner.Dispose();
            inner.Dispose();
            await client.GetByteArrayAsync(server.Url("bytes/1")).WithTimeout();
        }

        Assert.Equal(["outer"], configured);
    }

    [Fact]
    public void Observe_NullConfigure_ThrowsArgumentNullException()
    {
        var thrown = Assert.Throws<ArgumentNullException>(() => HttpCall.Observe(null!));

        Assert.Equal("configure", thrown.ParamName);
    }

    [Fact]
    public async Task Observe_TaskRunInsideTheScope_ConfiguredUntilTheScopeIsDisposed()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false);
        var configured = new ConcurrentQueue<string>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task late;

        using (var scope = HttpCall.Observe(call => configured.Enqueue(call.Request.RequestUri!.AbsolutePath)))
        {
            await Task.Run(() => client.GetByteArrayAsync(server.Url("bytes/21"))).WithTimeout();

            // Started in the scope, sending after it was disposed: a call that starts later is not configured, in any flow.
            late = Task.Run(async () =>
            {
                await release.Task;
                await client.GetByteArrayAsync(server.Url("bytes/22"));
            });
            scope.Dispose();
        }

        release.SetResult();
        await late.WithTimeout();

        Assert.Equal(["/bytes/21"], configured);
    }

    [Fact]
    public async Task Observe_ConcurrentUnrelatedFlow_NotConfigured()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false);
        var configured = new ConcurrentQueue<string>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var unrelated = Task.Run(async () =>
        {
            await release.Task;
            await client.GetByteArrayAsync(server.Url("bytes/31"));
        });

        using (HttpCall.Observe(call => configured.Enqueue(call.Request.RequestUri!.AbsolutePath)))
        {
            release.SetResult();
            await Task.WhenAll(unrelated, client.GetByteArrayAsync(server.Url("bytes/32"))).WithTimeout();
        }

        Assert.Equal(["/bytes/32"], configured);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Observe_TokenFetchingHandlerInThePipeline_ItsOwnCallIsNotConfigured(bool factory)
    {
        var server = await LoopbackServer.Shared;
        var tokenCalls = new ConcurrentQueue<string>();
        var tokenOptions = new EventingOptions().OnCall(call => tokenCalls.Enqueue(call.Request.RequestUri!.AbsolutePath));
        var tokenUrl = server.Url("bytes/16");
        ServiceProvider? provider = null;
        HttpClient client;
        HttpClient? tokenClient = null;
        if (factory)
        {
            var services = new ServiceCollection();
            services.AddHttpClient("token").AddEventing(o => o.OnCall(call => tokenCalls.Enqueue(call.Request.RequestUri!.AbsolutePath)));
            services.AddHttpClient("api")
                .AddHttpMessageHandler(sp => new TokenHandler(sp.GetRequiredService<IHttpClientFactory>().CreateClient("token"), tokenUrl))
                .AddEventing();
            provider = services.BuildServiceProvider();
            client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("api");
        }
        else
        {
            tokenClient = LoopbackVersions.EventingClient(http2: false, tokenOptions);
            client = LoopbackVersions.Client(
                http2: false,
                new EventingHandler(new TokenHandler(tokenClient, tokenUrl) { InnerHandler = new SocketsHttpHandler() }));
        }

        try
        {
            var configured = new ConcurrentQueue<string>();
            using (HttpCall.Observe(call => configured.Enqueue(call.Request.RequestUri!.AbsolutePath)))
            {
                var body = await client.GetByteArrayAsync(server.Url("bytes/1000")).WithTimeout();
                Assert.Equal(1000, body.Length);
            }

            Assert.Equal(["/bytes/1000"], configured);
            Assert.Equal(["/bytes/16"], tokenCalls); // the token request was a call with eventing, started inside the scope's flow
        }
        finally
        {
            client.Dispose();
            tokenClient?.Dispose();
            provider?.Dispose();
        }
    }

    [Theory]
    [InlineData("httpHeaders", false)]
    [InlineData("httpHeaders", true)]
    [InlineData("httpDownloadProgress", false)]
    [InlineData("httpData", true)]
    [InlineData("httpDone", true)]
    [InlineData("complete", false)]
    [InlineData("complete", true)]
    public async Task Observe_CallStartedByAListener_NotConfigured(string eventName, bool inTask)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false);
        using var other = LoopbackVersions.EventingClient(http2: false);
        var configured = new ConcurrentQueue<string>();
        var otherUrl = server.Url("bytes/50");
        Task? started = null;
        var starts = 0;

        void Start()
        {
            if (Interlocked.Increment(ref starts) != 1)
            {
                return;
            }

            if (inTask)
            {
                started = Task.Run(() => other.GetByteArrayAsync(otherUrl));
            }
            else
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, otherUrl);
                using var response = other.Send(request);
                started = Task.CompletedTask;
            }
        }

        using (HttpCall.Observe(call =>
        {
            configured.Enqueue(call.Request.RequestUri!.AbsolutePath);
            if (call.Request.RequestUri.AbsolutePath != "/bytes/100000")
            {
                return;
            }

            _ = eventName switch
            {
                "httpHeaders" => call.On(HttpEvents.HttpHeaders, _ => Start()),
                "httpDownloadProgress" => call.On(HttpEvents.HttpDownloadProgress, _ => Start()),
                "httpData" => call.On(HttpEvents.HttpData, _ => Start()),
                "httpDone" => call.On(HttpEvents.HttpDone, _ => Start()),
                _ => call.On(HttpEvents.Complete, _ => Start()),
            };
        }))
        {
            // The body is read by HttpClient's helper, in the scope's flow: the chunk events are raised there.
            await client.GetByteArrayAsync(server.Url("bytes/100000?chunk=4096")).WithTimeout();
            Assert.NotNull(started);
            await started.WithTimeout();
        }

        Assert.Equal(["/bytes/100000"], configured);
    }

    [Fact]
    public async Task Observe_ScopeOpenedByAListener_ConfiguresOnlyTheCallsTheListenerStarts()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false);
        var configured = new ConcurrentQueue<string>();
        Task? started = null;

        using (HttpCall.Observe(call =>
        {
            configured.Enqueue($"{call.Request.RequestUri!.AbsolutePath} caller");
            call.Once(HttpEvents.HttpHeaders, _ =>
            {
                using (HttpCall.Observe(c => configured.Enqueue($"{c.Request.RequestUri!.AbsolutePath} listener")))
                {
                    started = client.GetByteArrayAsync(server.Url("bytes/60"));
                }
            });
        }))
        {
            await client.GetByteArrayAsync(server.Url("bytes/61")).WithTimeout();
            Assert.NotNull(started);
            await started.WithTimeout();
        }

        Assert.Equal(["/bytes/61 caller", "/bytes/60 listener"], configured);
    }

    [Theory]
    [PipelineShapes]
    public async Task Configure_EveryWay_OnCallThenOwnListenersThenScopesOuterFirstThenTheRequestOption(PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        var configures = new ConcurrentQueue<string>();
        var listeners = new ConcurrentQueue<string>();
        void Configure(HttpCall call, string name)
        {
            configures.Enqueue(name);
            call.On(HttpEvents.HttpHeaders, _ => listeners.Enqueue(name));
        }

        using var client = LoopbackVersions.EventingClient(http2: false, shape, new EventingOptions().OnCall(call => Configure(call, "onCall")));
        using var request = server.Request(http2: false, "bytes/100");
        HttpCall.For(request).On(HttpEvents.HttpHeaders, _ => listeners.Enqueue("own"));
        request.Options.Set(HttpCallRequestOptions.Configure, call => Configure(call, "option"));

        using (HttpCall.Observe(call => Configure(call, "outer")))
        using (HttpCall.Observe(call => Configure(call, "inner")))
        {
            using var response = await client.SendAsync(request).WithTimeout();
        }

        Assert.Equal(["onCall", "outer", "inner", "option"], configures);
        Assert.Equal(["onCall", "own", "outer", "inner", "option"], listeners);
    }

    [Theory]
    [PipelineShapes("onCall")]
    [PipelineShapes("scope")]
    [InlineData("option", PipelineShape.OneLayer)]
    public async Task Configure_Throws_TheSendThrowsItAndTheCallEndsInErrorWithoutSending(string source, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        var boom = new InvalidOperationException("configure failed");
        var key = LoopbackServer.NewKey();
        var options = new EventingOptions();
        if (source == "onCall")
        {
            options.OnCall(_ => throw boom);
        }

        using var client = LoopbackVersions.EventingClient(http2: false, shape, options);
        using var request = server.Request(http2: false, $"resilience/steps/{key}?s=200");
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        if (source == "option")
        {
            request.Options.Set(HttpCallRequestOptions.Configure, _ => throw boom);
        }

        using (source == "scope" ? HttpCall.Observe(_ => throw boom) : null)
        {
            var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => client.SendAsync(request)).WithTimeout();
            Assert.Same(boom, thrown);
        }

        var response = await call.Completion.WithTimeout();
        Assert.Same(boom, response.Error);
        Assert.Equal("error,complete:True", recorder.Compact());
        Assert.Equal(0, LoopbackServer.ResilienceRequests(key));
    }

    [Fact]
    public async Task Configure_ThrowsWithIsolatedListenerExceptions_ReportedAndTheCallGoesOn()
    {
        var server = await LoopbackServer.Shared;
        var boom = new InvalidOperationException("configure failed");
        var reported = new ConcurrentQueue<(string Key, Exception Exception)>();
        var options = new EventingOptions
        {
            IsolateListenerExceptions = true,
            ListenerExceptionHandler = (_, key, exception) => reported.Enqueue((key.Name, exception)),
        };
        using var client = LoopbackVersions.EventingClient(http2: false, options);
        var configuredAfter = 0;

        byte[] body;
        using (HttpCall.Observe(_ => throw boom))
        using (HttpCall.Observe(_ => configuredAfter++))
        {
            body = await client.GetByteArrayAsync(server.Url("bytes/100")).WithTimeout();
        }

        Assert.Equal(100, body.Length);
        Assert.Equal(1, configuredAfter);
        var (key, exception) = Assert.Single(reported);
        Assert.Equal("configure", key);
        Assert.Same(boom, exception);
    }

    [Fact]
    public async Task Configure_UnderARetryHandler_RunsOncePerCall()
    {
        var server = await LoopbackServer.Shared;
        var key = LoopbackServer.NewKey();
        var services = new ServiceCollection();
        services.AddHttpClient("retried").AddTestRetry().AddEventing();
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("retried");
        var scopeRuns = 0;
        var optionRuns = 0;
        var attemptsSeen = new ConcurrentQueue<int>();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"resilience/steps/{key}?s=503,503,200"));
        request.Options.Set(HttpCallRequestOptions.Configure, _ => Interlocked.Increment(ref optionRuns));

        using (HttpCall.Observe(call =>
        {
            Interlocked.Increment(ref scopeRuns);
            call.On(HttpEvents.HttpHeaders, e => attemptsSeen.Enqueue(e.Attempt));
        }))
        {
            using var response = await client.SendAsync(request).WithTimeout();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(3, LoopbackServer.ResilienceRequests(key));
        Assert.Equal(1, scopeRuns);
        Assert.Equal(1, optionRuns);
        Assert.Equal([1, 2, 3], attemptsSeen); // one listener, added once, saw every attempt
        Assert.Equal(2, HttpCall.For(request).Response.RetryCount);
    }

    /// <summary>An auth handler that fetches a token with another client (which has eventing) before each request.</summary>
    private sealed class TokenHandler(HttpClient tokenClient, Uri tokenUrl) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var token = await tokenClient.GetByteArrayAsync(tokenUrl, cancellationToken);
            request.Headers.Authorization = new("Bearer", Convert.ToBase64String(token));
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
