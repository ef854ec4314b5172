using System.Net;

namespace Handlers.Eventing.Tests.Infrastructure;

public class LoopbackServerTests
{
    [Fact]
    public async Task BaseAddresses_ServeHttp11AndH2c()
    {
        var server = await LoopbackServer.Shared;
        using var client = new HttpClient(new SocketsHttpHandler()) { Timeout = TestTimeouts.Default };

        using var http11 = await client.GetAsync(server.Url("bytes/10"));
        using var http2 = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, server.Http2Url("bytes/10"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });

        Assert.Equal(HttpVersion.Version11, http11.Version);
        Assert.Equal(HttpVersion.Version20, http2.Version);
        Assert.Equal(10, (await http2.Content.ReadAsByteArrayAsync()).Length);
    }
}
