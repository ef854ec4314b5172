using System.Collections.Concurrent;
using Flurl.Http;
using Handlers.Eventing.Tests.Infrastructure;
using Refit;

namespace Handlers.Eventing.Tests.Calls;

/// <summary>
/// Typed clients that build the request inside their own methods — real Refit and Flurl.Http clients over an
/// <see cref="HttpClient"/> with eventing — reached through <see cref="HttpCall.Observe"/> and the request option
/// <see cref="HttpCallRequestOptions.Configure"/> (Refit's <c>[Property]</c>, Flurl's <c>BeforeCall</c>), against the loopback server.
/// </summary>
public class TypedClientTests
{
    private const int Length = 200_000;

    /// <summary>A Refit API over the loopback server's generated bodies.</summary>
    public interface IFilesApi
    {
        [Get("/bytes/{length}?chunk=4096")]
        Task<Stream> DownloadAsync(int length);

        [Get("/bytes/{length}?chunk=4096")]
        Task<HttpResponseMessage> GetAsync(int length);

        [Get("/bytes/{length}?chunk=4096")]
        Task<Stream> DownloadAsync(int length, [Property(HttpCallRequestOptions.ConfigureKeyName)] Action<HttpCall> configure);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Refit_StreamMethodInsideObserve_ProgressBarReachesTheEnd(bool generated)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false);
        client.BaseAddress = server.BaseAddress;
        var api = CreateApi(client, generated);
        var bar = new ListProgress<TransferProgress>();

        Stream body;
        using (HttpCall.Observe(call => call.ReportDownloadProgress(bar, ProgressThrottle.None)))
        {
            body = await api.DownloadAsync(Length).WithTimeout();
        }

        // The scope is disposed: what it added stays, and the bar moves as the stream is read.
        using var copy = new MemoryStream();
        await using (body)
        {
            await body.CopyToAsync(copy).WithTimeout();
        }

        Assert.Equal(LoopbackServer.Pattern(Length), copy.ToArray());
        Assert.True(bar.Reports.Count > 2, $"{bar.Reports.Count} reports");
        var last = bar.Reports[^1];
        Assert.Equal(Length, last.Loaded);
        Assert.Equal(Length, last.Total);
        Assert.Equal(1.0, last.Fraction);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Refit_HttpResponseMessageMethodInsideObserve_CallEndsWhenTheBodyIsRead(bool generated)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false);
        client.BaseAddress = server.BaseAddress;
        var api = CreateApi(client, generated);
        EventRecorder? recorder = null;

        using (HttpCall.Observe(call => recorder = new EventRecorder(call)))
        {
            using var response = await api.GetAsync(Length).WithTimeout();
            Assert.NotNull(recorder);
            Assert.False(recorder.Call.IsFinished);
            var bytes = await response.Content.ReadAsByteArrayAsync().WithTimeout();
            Assert.Equal(Length, bytes.Length);
        }

        await recorder.Call.Completion.WithTimeout();
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        Assert.Equal(Length, recorder.Body.Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Refit_PropertyParameter_ConfiguresItsCallAfterTheScopes(bool generated)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false);
        client.BaseAddress = server.BaseAddress;
        var api = CreateApi(client, generated);
        var configured = new ConcurrentQueue<string>();
        var bar = new ListProgress<TransferProgress>();

        // Without a scope: the [Property] value alone reaches the call.
        await using (var body = await api.DownloadAsync(Length, call => call.ReportDownloadProgress(bar, ProgressThrottle.None)).WithTimeout())
        {
            await body.CopyToAsync(Stream.Null).WithTimeout();
        }

        using (HttpCall.Observe(_ => configured.Enqueue("scope")))
        {
            await using var body = await api.DownloadAsync(10, _ => configured.Enqueue("property")).WithTimeout();
            await body.CopyToAsync(Stream.Null).WithTimeout();
        }

        Assert.Equal(Length, bar.Reports[^1].Loaded);
        Assert.Equal(1.0, bar.Reports[^1].Fraction);
        Assert.Equal(["scope", "property"], configured);
    }

    /// <summary>Refit's source-generated client (trimming and AOT safe), or its reflection-built one.</summary>
    private static IFilesApi CreateApi(HttpClient client, bool generated) =>
        generated ? RestService.ForGenerated<IFilesApi>(client) : RestService.For<IFilesApi>(client);

    [Fact]
    public async Task Flurl_ClientOverAnEventingHttpClientInsideObserve_ProgressBarReachesTheEnd()
    {
        var server = await LoopbackServer.Shared;
        using var httpClient = LoopbackVersions.EventingClient(http2: false);
        using var flurl = new FlurlClient(httpClient);
        var bar = new ListProgress<TransferProgress>();

        byte[] bytes;
        using (HttpCall.Observe(call => call.ReportDownloadProgress(bar, ProgressThrottle.None)))
        {
            bytes = await flurl.Request(server.Url($"bytes/{Length}?chunk=4096").ToString()).GetBytesAsync().WithTimeout();
        }

        Assert.Equal(LoopbackServer.Pattern(Length), bytes);
        Assert.True(bar.Reports.Count > 2, $"{bar.Reports.Count} reports");
        Assert.Equal(Length, bar.Reports[^1].Loaded);
        Assert.Equal(1.0, bar.Reports[^1].Fraction);
    }

    [Fact]
    public async Task Flurl_StreamInsideObserve_CallEndsWhenTheStreamIsRead()
    {
        var server = await LoopbackServer.Shared;
        using var httpClient = LoopbackVersions.EventingClient(http2: false);
        using var flurl = new FlurlClient(httpClient);
        EventRecorder? recorder = null;

        using (HttpCall.Observe(call => recorder = new EventRecorder(call, data: false)))
        {
            await using var stream = await flurl.Request(server.Url($"bytes/{Length}?chunk=4096").ToString()).GetStreamAsync().WithTimeout();
            await stream.CopyToAsync(Stream.Null).WithTimeout();
        }

        Assert.NotNull(recorder);
        await recorder.Call.Completion.WithTimeout();
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpDone,success,complete:True", recorder.Compact());
        Assert.Equal(Length, recorder.DownloadProgress.Last().Loaded);
    }

    [Fact]
    public async Task Flurl_BeforeCallSetsTheRequestOption_ConfiguresTheCall()
    {
        var server = await LoopbackServer.Shared;
        using var httpClient = LoopbackVersions.EventingClient(http2: false);
        using var flurl = new FlurlClient(httpClient);
        var bar = new ListProgress<TransferProgress>();

        var bytes = await flurl.Request(server.Url($"bytes/{Length}?chunk=4096").ToString())
            .BeforeCall(flurlCall => flurlCall.HttpRequestMessage.Options.Set(
                HttpCallRequestOptions.Configure, call => call.ReportDownloadProgress(bar, ProgressThrottle.None)))
            .GetBytesAsync()
            .WithTimeout();

        Assert.Equal(Length, bytes.Length);
        Assert.Equal(Length, bar.Reports[^1].Loaded);
        Assert.Equal(1.0, bar.Reports[^1].Fraction);
    }
}
