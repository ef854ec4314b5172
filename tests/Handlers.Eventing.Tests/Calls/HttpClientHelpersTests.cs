using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Tests.Calls;

// Issue 10, defect 3: HttpClient's helpers (GetStringAsync, GetByteArrayAsync, GetStreamAsync, GetFromJsonAsync) are calls
// like any other. On an error status they dispose the response unread; the call's Error is then the status error
// (HttpRequestException with StatusCode), not the abandon exception, which is for a success status whose body was
// abandoned.
public class HttpClientHelpersTests
{
    public static TheoryData<string, bool, PipelineShape> Helpers()
    {
        var data = new TheoryData<string, bool, PipelineShape>();
        foreach (var helper in new[] { "GetStringAsync", "GetByteArrayAsync", "GetStreamAsync", "GetFromJsonAsync" })
        {
            foreach (var shape in new[] { PipelineShape.OneLayer, PipelineShape.TwoParts })
            {
                data.Add(helper, false, shape);
                data.Add(helper, true, shape);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Helpers))]
    public async Task Helper_ErrorStatus_ErrorIsTheStatusErrorNotAbandoned(string helper, bool http2, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        var uri = server.Url(http2, "status/503?body=unavailable");
        using var plain = LoopbackVersions.Client(http2, new SocketsHttpHandler());
        var expected = await Assert.ThrowsAnyAsync<Exception>(() => InvokeAsync(helper, plain, uri)).WithTimeout();
        EventRecorder? recorder = null;
        using var client = LoopbackVersions.EventingClient(http2, shape, new EventingOptions().OnCall(call => recorder = new EventRecorder(call)));

        var actual = await Assert.ThrowsAnyAsync<Exception>(() => InvokeAsync(helper, client, uri)).WithTimeout();
        var response = await recorder!.Call.Completion.WithTimeout();

        // The caller sees what a plain client throws.
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, Assert.IsType<HttpRequestException>(expected).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, Assert.IsType<HttpRequestException>(actual).StatusCode);

        // The call ends in error with the status error: that is why the helper stopped reading.
        var error = Assert.IsType<HttpRequestException>(response.Error);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.DoesNotContain("Read the body to its end", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);

        // The helper disposed the body unread: no body events, no httpDone.
        Assert.Equal("httpHeaders:503,error,complete:True", recorder.Compact());
    }

    [Theory]
    [MemberData(nameof(Helpers))]
    public async Task Helper_Success_EndsInSuccess(string helper, bool http2, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        EventRecorder? recorder = null;
        using var client = LoopbackVersions.EventingClient(http2, shape, new EventingOptions().OnCall(call => recorder = new EventRecorder(call)));
        var path = helper == "GetFromJsonAsync" ? "correctness/json" : "bytes/30000?chunk=4096";

        await InvokeAsync(helper, client, server.Url(http2, path)).WithTimeout();
        var response = await recorder!.Call.Completion.WithTimeout();

        Assert.Null(response.Error);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
    }

    [Theory]
    [HttpVersionsAndPipelineShapes]
    public async Task GetStreamAsync_SuccessStatusDisposedUnread_ErrorIsAbandoned(bool http2, PipelineShape shape)
    {
        var server = await LoopbackServer.Shared;
        EventRecorder? recorder = null;
        using var client = LoopbackVersions.EventingClient(http2, shape, new EventingOptions().OnCall(call => recorder = new EventRecorder(call)));

        var stream = await client.GetStreamAsync(server.Url(http2, "bytes/100000")).WithTimeout();
        await stream.DisposeAsync();
        var response = await recorder!.Call.Completion.WithTimeout();

        // A success status abandoned by the caller: this is what the abandon exception is for.
        Assert.IsType<HttpCallAbandonedException>(response.Error);
        Assert.Equal("httpHeaders:200,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task GetStringAsync_ErrorStatus_LogsTheStatusErrorWithoutAbandonAdvice()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Information };
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddHttpClient("helpers").AddEventing(o => o.LogLifecycle = true);
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("helpers");

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(server.Url("status/503"))).WithTimeout();

        var end = Assert.Single(logs.ForCategory("Handlers.Eventing.HttpCall.helpers"));
        Assert.Equal("CallFailed", end.EventId.Name);
        Assert.Equal("Error", end["Outcome"]);
        Assert.Equal(503, end["StatusCode"]);
        var logged = Assert.IsType<HttpRequestException>(end.Exception);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, logged.StatusCode);
        Assert.DoesNotContain("read the body", logged.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("read the body", end.Message, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task InvokeAsync(string helper, HttpClient client, Uri uri)
    {
        switch (helper)
        {
            case "GetStringAsync":
                _ = await client.GetStringAsync(uri);
                break;
            case "GetByteArrayAsync":
                _ = await client.GetByteArrayAsync(uri);
                break;
            case "GetStreamAsync":
                await using (var stream = await client.GetStreamAsync(uri))
                {
                    await stream.CopyToAsync(Stream.Null);
                }

                break;
            case "GetFromJsonAsync":
                _ = await client.GetFromJsonAsync<JsonElement>(uri);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(helper), helper, "Use one of the names in Helpers().");
        }
    }
}
