using System.Net;
using Handlers.Eventing.Internal;

namespace Handlers.Eventing.Tests.Telemetry;

public sealed class TelemetryValuesTests
{
    [Theory]
    [InlineData("GET", "GET", true)]
    [InlineData("post", "POST", true)]
    [InlineData("PATCH", "PATCH", true)]
    [InlineData("OPTIONS", "OPTIONS", true)]
    [InlineData("CONNECT", "CONNECT", true)]
    [InlineData("TRACE", "TRACE", true)]
    [InlineData("DELETE", "DELETE", true)]
    [InlineData("HEAD", "HEAD", true)]
    [InlineData("PUT", "PUT", true)]
    [InlineData("PURGE", "_OTHER", false)]
    [InlineData("GETS", "_OTHER", false)]
    public void Method_KnownAndUnknown_ReturnsTheConventionsName(string method, string expected, bool expectedKnown)
    {
        Assert.Equal(expected, TelemetryValues.Method(new HttpMethod(method), out var known));
        Assert.Equal(expectedKnown, known);
    }

    [Fact]
    public void ErrorType_EachKindOfEnd_FollowsTheConventionsAndTheRuntime()
    {
        Assert.Null(TelemetryValues.ErrorType(null, HttpStatusCode.OK));
        Assert.Equal("500", TelemetryValues.ErrorType(new HttpRequestException("status", null, HttpStatusCode.InternalServerError), HttpStatusCode.InternalServerError));
        Assert.Equal("304", TelemetryValues.ErrorType(new HttpRequestException("status", null, HttpStatusCode.NotModified), HttpStatusCode.NotModified));
        Assert.Equal("connection_error", TelemetryValues.ErrorType(new HttpRequestException(HttpRequestError.ConnectionError), null));
        Assert.Equal("response_ended", TelemetryValues.ErrorType(new HttpRequestException(HttpRequestError.ResponseEnded, "truncated", null, HttpStatusCode.OK), HttpStatusCode.OK));
        Assert.Equal("name_resolution_error", TelemetryValues.ErrorType(new HttpRequestException(HttpRequestError.NameResolutionError), null));
        Assert.Equal("System.Net.Http.HttpRequestException", TelemetryValues.ErrorType(new HttpRequestException("other"), null));
        Assert.Equal("System.Net.Http.HttpIOException", TelemetryValues.ErrorType(new HttpIOException(HttpRequestError.Unknown), HttpStatusCode.OK));
        Assert.Equal("response_ended", TelemetryValues.ErrorType(new HttpIOException(HttpRequestError.ResponseEnded), HttpStatusCode.OK));
        Assert.Equal("response_ended", TelemetryValues.ErrorType(new HttpRequestException("Error while copying content to a stream.", new HttpIOException(HttpRequestError.ResponseEnded)), HttpStatusCode.OK));
        Assert.Equal("System.Threading.Tasks.TaskCanceledException", TelemetryValues.ErrorType(new TaskCanceledException(), HttpStatusCode.OK));
        Assert.Equal("System.OperationCanceledException", TelemetryValues.ErrorType(new OperationCanceledException("aborted"), null));
        Assert.Equal("Handlers.Eventing.HttpCallAbandonedException", TelemetryValues.ErrorType(new HttpCallAbandonedException("abandoned"), HttpStatusCode.OK));
        Assert.Equal("System.InvalidOperationException", TelemetryValues.ErrorType(new InvalidOperationException("listener"), HttpStatusCode.OK));
    }

    [Fact]
    public void Box_SmallValue_ReturnsTheSameObjectEveryTime()
    {
        Assert.Same(TelemetryValues.Box(200), TelemetryValues.Box(200));
        Assert.Equal(65000, TelemetryValues.Box(65000));
    }
}
