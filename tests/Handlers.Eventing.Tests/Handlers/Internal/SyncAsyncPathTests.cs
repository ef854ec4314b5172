using System.Net;
using Handlers.Eventing.Internal;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Handlers.Internal;

/// <summary>
/// Every handler of the library passes a synchronous send on with the inner handler's <c>Send</c> and an asynchronous one with
/// its <c>SendAsync</c>, on the path that observes the call and on the path that only passes a request on: a synchronous
/// <see cref="HttpClient.Send(HttpRequestMessage)"/> never waits on an asynchronous send inside the pipeline, and an
/// asynchronous send never blocks a thread on a synchronous one. Found by mutation testing (docs/testing.md).
/// </summary>
public class SyncAsyncPathTests
{
    public static TheoryData<string> Pipelines =>
    [
        "one layer",
        "two parts",
        "attempt part of a request no call part started",
        "call part inside a call an outer EventingHandler runs",
        "EventingHandler inside a call an outer EventingHandler runs",
    ];

    [Theory]
    [MemberData(nameof(Pipelines))]
    public void Send_Synchronous_ReachesTheTransportsSendOnly(string pipeline)
    {
        var transport = new RecordingTransport();
        using var client = new HttpClient(Build(pipeline, transport));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/sync");

        using var response = client.Send(request);

        Assert.Equal((1, 0), (transport.SyncSends, transport.AsyncSends));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Pipelines))]
    public async Task SendAsync_Asynchronous_ReachesTheTransportsSendAsyncOnly(string pipeline)
    {
        var transport = new RecordingTransport();
        using var client = new HttpClient(Build(pipeline, transport));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/async");

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal((0, 1), (transport.SyncSends, transport.AsyncSends));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static HttpMessageHandler Build(string pipeline, HttpMessageHandler transport) => pipeline switch
    {
        "one layer" => new EventingHandler(transport),
        "two parts" => EventingPipeline.Create(transport, PipelineShape.TwoParts),
        "attempt part of a request no call part started" => new AttemptHandler { InnerHandler = transport },
        "call part inside a call an outer EventingHandler runs" =>
            new EventingHandler(new CallHandler(new EventingOptions().Snapshot(), services: null) { InnerHandler = transport }),
        _ => new EventingHandler(new EventingHandler(transport)),
    };

    /// <summary>A transport that counts which of its two send methods the pipeline called.</summary>
    private sealed class RecordingTransport : HttpMessageHandler
    {
        private int _syncSends;
        private int _asyncSends;

        public int SyncSends => Volatile.Read(ref _syncSends);

        public int AsyncSends => Volatile.Read(ref _asyncSends);

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _syncSends);
            return Ok();
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _asyncSends);
            return Task.FromResult(Ok());
        }

        private static HttpResponseMessage Ok() => new(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[10]) };
    }
}
