using System.Net;
using Handlers.Eventing.Internal;

namespace Handlers.Eventing.Tests.Calls.Internal;

public class ObservedResponseContentTests
{
    [Fact]
    public async Task Headers_ContentLengthRemovedOnPurpose_StaysRemovedAfterBuffering()
    {
        // What automatic decompression does: the decompressed content's length is set to null explicitly.
        using var plain = new StringContent("decompressed text");
        plain.Headers.ContentLength = null;
        using var inner = new StringContent("decompressed text");
        inner.Headers.ContentLength = null;
        using var observed = Observe(inner);

        await plain.LoadIntoBufferAsync();
        await observed.LoadIntoBufferAsync();

        Assert.Null(plain.Headers.ContentLength);
        Assert.Null(observed.Headers.ContentLength);
    }

    [Fact]
    public async Task Headers_LengthUnknownUntilBuffered_IsTheBufferedLengthLikeTheInner()
    {
        using var plain = new StreamContent(new MemoryStream(new byte[123]));
        using var observed = Observe(new StreamContent(new MemoryStream(new byte[123])));

        await plain.LoadIntoBufferAsync();
        await observed.LoadIntoBufferAsync();

        Assert.Equal(123, plain.Headers.ContentLength);
        Assert.Equal(123, observed.Headers.ContentLength);
    }

    [Fact]
    public void Headers_StoredContentLength_IsCopied()
    {
        var inner = new ByteArrayContent(new byte[5]);
        inner.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");

        using var observed = Observe(inner);

        Assert.Equal(5, observed.Headers.ContentLength);
        Assert.Equal("application/octet-stream", observed.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("HEAD", 200, true)]
    [InlineData("GET", 204, true)]
    [InlineData("GET", 304, true)]
    [InlineData("GET", 101, true)]
    [InlineData("GET", 200, false)]
    [InlineData("GET", 404, false)]
    public void HasNoBody_MethodAndStatus_FollowsRfc9110(string method, int status, bool expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "http://localhost/");
        using var response = new HttpResponseMessage((HttpStatusCode)status);

        Assert.Equal(expected, ObservedResponseContent.HasNoBody(request, response));
    }

    private static ObservedResponseContent Observe(HttpContent inner) =>
        new(inner, HttpCall.For(new HttpRequestMessage(HttpMethod.Get, "http://localhost/")), attempt: null, hasNoBody: false);
}
