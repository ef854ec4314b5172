using System.Net;
using RichardSzalay.MockHttp;

namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>In-memory transports made with MockHttp, for <see cref="CallUnderTest.InMemory"/>.</summary>
public static class MockTransport
{
    /// <summary>Answers every request with <paramref name="status"/> and <paramref name="body"/> (its Content-Length declared).</summary>
    public static MockHttpMessageHandler Responding(byte[] body, HttpStatusCode status = HttpStatusCode.OK)
    {
        var mock = new MockHttpMessageHandler();
        mock.When("*").Respond(_ => new HttpResponseMessage(status) { Content = new ByteArrayContent(body) });
        return mock;
    }

    /// <summary>Throws <paramref name="exception"/> for every request, as a transport that fails before any response.</summary>
    public static MockHttpMessageHandler Throwing(Exception exception)
    {
        var mock = new MockHttpMessageHandler();
        mock.When("*").Throw(exception);
        return mock;
    }
}
