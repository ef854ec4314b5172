using System.Net;
using Handlers.Eventing.Tests.Calls;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Tests.Logging;

/// <summary>What lifecycle logging says about decoded bodies: which bytes the end line reports, and a primary handler that decodes first.</summary>
public sealed class DecodingLogTests
{
    private const int Length = 300_000;

    [Fact]
    public async Task EndLine_BodyTheLibraryDecoded_ReportsTheWireBytesThenTheDecodedOnes()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider();
        using var services = Services(logs, primaryDecodes: false);
        using var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("files");

        var body = await client.GetByteArrayAsync(server.Url($"wire/gzip/{Length}")).WithTimeout();

        Assert.Equal(Length, body.Length);
        var end = Assert.Single(logs.Records, r => r.EventId.Name == "CallSucceeded");
        var encoded = LoopbackServer.WireEncoded("gzip", Length).Length;
        Assert.Equal((long)encoded, end["BytesReceived"]);
        Assert.Contains($"received {encoded} B ({Length} B decoded), headers after", end.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Records, r => r.EventId.Name == "DecodedBelow");
    }

    [Fact]
    public async Task EndLine_UnencodedBody_ReportsTheBytesAlone()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider();
        using var services = Services(logs, primaryDecodes: false);
        using var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("files");

        await client.GetByteArrayAsync(server.Url("wire/identity/5000")).WithTimeout();

        var end = Assert.Single(logs.Records, r => r.EventId.Name == "CallSucceeded");
        Assert.Equal(5000L, end["BytesReceived"]);
        Assert.Contains("received 5000 B, headers after", end.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DecodedBelow_LibraryAndPrimaryHandlerBothDecode_OneDebugLinePerClientAndNoWireCounts()
    {
        var server = await LoopbackServer.Shared;
        var logs = new CapturingLoggerProvider();
        using var services = Services(logs, primaryDecodes: true);
        var factory = services.GetRequiredService<IHttpClientFactory>();
        HttpProgress? last = null;

        for (var i = 0; i < 3; i++)
        {
            using var client = factory.CreateClient("files");
            using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"wire/gzip/{Length}"));
            HttpCall.For(request).On(HttpEvents.HttpDownloadProgress, p => last = p);
            using var response = await client.SendAsync(request).WithTimeout();
        }

        var line = Assert.Single(logs.Records, r => r.EventId.Name == "DecodedBelow");
        Assert.Equal(LogLevel.Debug, line.Level);
        Assert.Equal(11, line.EventId.Id);
        Assert.Equal("Handlers.Eventing.HttpCall.files", line.Category);
        Assert.Equal(DecompressionMethods.All, line["Library"]);
        Assert.Null(last!.Value.WireTotal);
        Assert.Null(last.Value.WireLoaded);
        Assert.Contains("(decoded by the primary handler)", logs.Records.Last(r => r.EventId.Name == "CallSucceeded").Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Services(CapturingLoggerProvider logs, bool primaryDecodes)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var builder = services.AddHttpClient("files").RemoveAllLoggers();
        if (primaryDecodes)
        {
            builder.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All });
        }

        builder.AddEventing(o =>
        {
            o.LogLifecycle = true;
            o.ResponseBody.AutomaticDecompression = DecompressionMethods.All;
        });
        return services.BuildServiceProvider();
    }
}
