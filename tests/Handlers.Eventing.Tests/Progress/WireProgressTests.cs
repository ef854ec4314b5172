using Handlers.Eventing.Internal;
using Handlers.Eventing.Tests.Calls;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Handlers.Eventing.Tests.Progress;

/// <summary><c>WireLoaded</c>/<c>WireTotal</c> on the progress values, and the pair a progress bar reads (design.md r3).</summary>
public class WireProgressTests
{
    [Fact]
    public void HttpProgress_ConstructorWithoutWire_WireEqualsLoadedAndTotal()
    {
        var progress = new HttpProgress(40, 100, 1);

        Assert.Equal(40, progress.WireLoaded);
        Assert.Equal(100, progress.WireTotal);
        Assert.Equal(0.4, progress.Fraction);
        Assert.Equal("40/100 (attempt 1)", progress.ToString());
    }

    [Theory]
    [InlineData(400L, null, 50L, 200L, 0.25)] // decoded by the library: the wire pair
    [InlineData(400L, 1000L, 50L, 200L, 0.4)] // the reader's total known: it wins
    [InlineData(400L, null, null, null, null)] // decoded below: unknown
    [InlineData(400L, null, 50L, null, null)] // encoded without a Content-Length
    [InlineData(0L, null, 0L, 0L, 1.0)] // an empty encoded body
    public void Fraction_ReadersPairWhenKnownElseTheWirePair(long loaded, long? total, long? wireLoaded, long? wireTotal, double? expected)
    {
        Assert.Equal(expected, new HttpProgress(loaded, total, 1, wireLoaded, wireTotal).Fraction);
        Assert.Equal(expected, new TransferProgress(loaded, total, 1, wireLoaded, wireTotal, null, null).Fraction);
    }

    [Fact]
    public void TransferProgress_ConstructorWithoutWire_WireEqualsLoadedAndTotal()
    {
        var progress = new TransferProgress(40, 100, 2, 10, TimeSpan.FromSeconds(6));

        Assert.Equal(40, progress.WireLoaded);
        Assert.Equal(100, progress.WireTotal);
        Assert.Equal("40/100 (attempt 2)", progress.ToString());
        Assert.Equal("400/? (attempt 2), wire 50/200", new TransferProgress(400, null, 2, 50, 200, null, null).ToString());
    }

    [Fact]
    public void ReportDownloadProgress_DecodedBody_RateAndTimeLeftMeasureTheWirePair()
    {
        var clock = new FakeTimeProvider();
        var progress = new ListProgress<TransferProgress>();
        var call = HttpCall.For(new HttpRequestMessage(HttpMethod.Get, "http://example.test/"));
        var reporter = new ProgressReporter(call, progress, new ProgressThrottle { MinimumInterval = TimeSpan.Zero, TimeProvider = clock });

        reporter.OnProgress(new HttpProgress(1000, null, 1, 100, 1000));
        clock.Advance(TimeSpan.FromSeconds(1));
        reporter.OnProgress(new HttpProgress(5000, null, 1, 500, 1000));
        clock.Advance(TimeSpan.FromSeconds(1));
        reporter.OnProgress(new HttpProgress(9000, null, 1, 1000, 1000));
        var reports = progress.Reports;

        Assert.Equal(400, reports[1].BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(1.25), reports[1].EstimatedTimeRemaining);
        Assert.Equal(0.5, reports[1].Fraction);
        Assert.Equal(TimeSpan.Zero, reports[2].EstimatedTimeRemaining);
        Assert.Equal((1000, 1000, 9000), (reports[2].WireLoaded, reports[2].WireTotal, reports[2].Loaded));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReportDownloadProgress_CompressedDownloadOnLoopback_TrueFractionToOne(bool http2)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, DecodingTests.Decoding());
        var reports = new List<TransferProgress>();
        var call = client.CreateCall(HttpMethod.Get, server.Url(http2, "wire/gzip/300000"))
            .ReportDownloadProgress(reports.Add, ProgressThrottle.None);

        await call.SendAsync().WithTimeout();

        Assert.True(reports.Count > 2);
        Assert.All(reports, r => Assert.NotNull(r.Fraction));
        Assert.True(reports[0].Fraction < 0.5);
        Assert.Equal(1.0, reports[^1].Fraction);
        Assert.Equal(TimeSpan.Zero, reports[^1].EstimatedTimeRemaining);
    }
}
