using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

/// <summary>
/// The request option <see cref="HttpCallRequestOptions.Configure"/>: set with the typed key, or any options entry under
/// <see cref="HttpCallRequestOptions.ConfigureKeyName"/> holding an <see cref="Action{T}"/> of <see cref="HttpCall"/> (what Refit's
/// <c>[Property]</c> writes, as an object).
/// </summary>
public class HttpCallRequestOptionsTests
{
    [Fact]
    public void Configure_IsTheKeyNamedConfigureKeyName()
    {
        Assert.Equal("Handlers.Eventing.Configure", HttpCallRequestOptions.ConfigureKeyName);
        Assert.Equal(HttpCallRequestOptions.ConfigureKeyName, HttpCallRequestOptions.Configure.Key);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Configure_SetWithTheTypedKeyOrAsAnObjectUnderTheName_ConfiguresTheCallBeforeItsFirstEvent(bool asObject)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false);
        using var request = server.Request(http2: false, "bytes/1000");
        EventRecorder? recorder = null;
        Action<HttpCall> configure = call => recorder = new EventRecorder(call);
        if (asObject)
        {
            request.Options.Set(new HttpRequestOptionsKey<object?>(HttpCallRequestOptions.ConfigureKeyName), configure);
        }
        else
        {
            request.Options.Set(HttpCallRequestOptions.Configure, configure);
        }

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.NotNull(recorder);
        Assert.Same(HttpCall.For(request), recorder.Call);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Configure_EntryUnderTheNameHoldingAnotherType_Ignored()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false);
        using var request = server.Request(http2: false, "bytes/10");
        request.Options.Set(new HttpRequestOptionsKey<object?>(HttpCallRequestOptions.ConfigureKeyName), "not a configure");

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.True((await HttpCall.For(request).Completion.WithTimeout()).IsSuccess);
    }

    [Fact]
    public async Task Configure_OnTheAwsStyleCall_RunsOnce()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: false);
        var call = client.CreateCall(HttpMethod.Get, server.Url("bytes/10"));
        var runs = 0;
        call.Request.Options.Set(HttpCallRequestOptions.Configure, c =>
        {
            Assert.Same(call, c);
            runs++;
        });

        var response = await call.SendAsync().WithTimeout();

        Assert.True(response.IsSuccess);
        Assert.Equal(1, runs);
    }
}
