using System.Net;
using Handlers.Eventing.Internal;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Handlers.Eventing.Tests.Progress;

public class HttpCallProgressExtensionsTests
{
    [Fact]
    public void Report_NullArguments_Throw()
    {
        var call = NewCall();
        var progress = new ListProgress<TransferProgress>();

        Assert.Throws<ArgumentNullException>("call", () => HttpCallProgressExtensions.ReportDownloadProgress(null!, progress));
        Assert.Throws<ArgumentNullException>("progress", () => call.ReportDownloadProgress((IProgress<TransferProgress>)null!));
        Assert.Throws<ArgumentNullException>("call", () => HttpCallProgressExtensions.ReportUploadProgress(null!, progress));
        Assert.Throws<ArgumentNullException>("progress", () => call.ReportUploadProgress((IProgress<TransferProgress>)null!));
    }

    [Fact]
    public void Report_InvalidThrottle_ThrowsNamingTheValue()
    {
        var call = NewCall();
        var progress = new ListProgress<TransferProgress>();

        var ex = Assert.Throws<ArgumentException>("throttle",
            () => call.ReportDownloadProgress(progress, new ProgressThrottle { MinimumInterval = TimeSpan.FromMilliseconds(-5) }));
        Assert.StartsWith("throttle.MinimumInterval is -00:00:00.0050000", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>("throttle", () => call.ReportUploadProgress(progress, new ProgressThrottle { MinimumBytes = -1 }));
        Assert.StartsWith("throttle.MinimumBytes is -1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_ReturnsTheCall()
    {
        var call = NewCall();

        Assert.Same(call, call.ReportDownloadProgress(new ListProgress<TransferProgress>()));
        Assert.Same(call, call.ReportUploadProgress(new ListProgress<TransferProgress>()));
    }

    [Fact]
    public void ReportDownloadProgress_ThrottleNone_ReportsEveryEvent()
    {
        var call = NewCall();
        var progress = new ListProgress<TransferProgress>();
        var reporter = new ProgressReporter(call, progress, ProgressThrottle.None);

        for (var loaded = 10; loaded <= 100; loaded += 10)
        {
            reporter.OnProgress(new HttpProgress(loaded, 100, 1));
        }

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i * 10), progress.Reports.Select(r => r.Loaded));
    }

    [Fact]
    public void ReportDownloadProgress_NoThrottleAnywhere_DefaultKeepsFirstAndFinalAndDropsTheRest()
    {
        var call = NewCall();
        var progress = new ListProgress<TransferProgress>();
        var reporter = new ProgressReporter(call, progress, throttle: null);
        const int Events = 20_000;

        for (var loaded = 1; loaded <= Events; loaded++)
        {
            reporter.OnProgress(new HttpProgress(loaded, Events, 1));
        }

        // 20,000 events in a tight loop take far less than a second: at most one report per 100 ms gets through, plus the
        // first and the final (a generous bound, so that a slow machine cannot fail it; every-event would be 20,000).
        var reports = progress.Reports;
        Assert.InRange(reports.Count, 2, 200);
        Assert.Equal(1, reports[0].Loaded);
        Assert.Equal(Events, reports[^1].Loaded);
    }

    [Fact]
    public void ReportDownloadProgress_MinimumBytes_KeepsFirstAndFinal()
    {
        var call = NewCall();
        var progress = new ListProgress<TransferProgress>();
        var reporter = new ProgressReporter(call, progress, new ProgressThrottle { MinimumBytes = 1000 });

        for (var loaded = 100; loaded <= 5000; loaded += 100)
        {
            reporter.OnProgress(new HttpProgress(loaded, 5000, 1));
        }

        Assert.Equal([100L, 1100, 2100, 3100, 4100, 5000], progress.Reports.Select(r => r.Loaded));
    }

    [Fact]
    public void ReportDownloadProgress_MinimumInterval_ReportsOnIntervalAndFlushesLastAtHttpDone()
    {
        var time = new FakeTimeProvider();
        var call = NewCall();
        var progress = new ListProgress<TransferProgress>();
        var reporter = new ProgressReporter(call, progress, new ProgressThrottle { MinimumInterval = TimeSpan.FromMilliseconds(100), TimeProvider = time });

        for (var i = 1; i <= 20; i++)
        {
            reporter.OnProgress(new HttpProgress(i * 10, total: null, 1));
            time.Advance(TimeSpan.FromMilliseconds(30));
        }

        // Events at 0, 30, ..., 570 ms: reported at 0, 120, 240, 360, 480 ms; the last one (570 ms) is held back.
        Assert.Equal([10L, 50, 90, 130, 170], progress.Reports.Select(r => r.Loaded));

        reporter.OnDownloadDone(call.Response);
        reporter.OnComplete(call.Response);

        Assert.Equal([10L, 50, 90, 130, 170, 200], progress.Reports.Select(r => r.Loaded));
    }

    [Fact]
    public void ReportDownloadProgress_BothLimits_ReportsWhenBothAreMet()
    {
        var time = new FakeTimeProvider();
        var call = NewCall();
        var progress = new ListProgress<TransferProgress>();
        var reporter = new ProgressReporter(call, progress, new ProgressThrottle { MinimumInterval = TimeSpan.FromSeconds(1), MinimumBytes = 500, TimeProvider = time });

        reporter.OnProgress(new HttpProgress(100, 10000, 1)); // first
        time.Advance(TimeSpan.FromSeconds(2));
        reporter.OnProgress(new HttpProgress(200, 10000, 1)); // time met, bytes not
        reporter.OnProgress(new HttpProgress(700, 10000, 1)); // both met
        reporter.OnProgress(new HttpProgress(5000, 10000, 1)); // bytes met, time not
        time.Advance(TimeSpan.FromSeconds(1));
        reporter.OnProgress(new HttpProgress(5100, 10000, 1)); // both met again (1 s and 4400 bytes since 700)
        reporter.OnProgress(new HttpProgress(10000, 10000, 1)); // final

        Assert.Equal([100L, 700, 5100, 10000], progress.Reports.Select(r => r.Loaded));
    }

    [Fact]
    public void ReportDownloadProgress_RateAndEstimate_FromTheAttemptsFirstEvent()
    {
        var time = new FakeTimeProvider();
        var call = NewCall();
        var progress = new ListProgress<TransferProgress>();
        var reporter = new ProgressReporter(call, progress, new ProgressThrottle { TimeProvider = time });

        reporter.OnProgress(new HttpProgress(1000, 10000, 1));
        time.Advance(TimeSpan.FromSeconds(1));
        reporter.OnProgress(new HttpProgress(3000, 10000, 1));
        time.Advance(TimeSpan.FromSeconds(1));
        reporter.OnProgress(new HttpProgress(10000, 10000, 1));

        var reports = progress.Reports;
        Assert.Equal(new TransferProgress(1000, 10000, 1, null, null), reports[0]);
        Assert.Equal(new TransferProgress(3000, 10000, 1, 2000d, TimeSpan.FromSeconds(3.5)), reports[1]);
        Assert.Equal(new TransferProgress(10000, 10000, 1, 4500d, TimeSpan.Zero), reports[2]);
        Assert.Equal(0.3, reports[1].Fraction);
        Assert.Equal(1d, reports[2].Fraction);
    }

    [Fact]
    public void ReportDownloadProgress_UnknownTotal_RateWithoutEstimate()
    {
        var time = new FakeTimeProvider();
        var call = NewCall();
        var progress = new ListProgress<TransferProgress>();
        var reporter = new ProgressReporter(call, progress, new ProgressThrottle { TimeProvider = time });

        reporter.OnProgress(new HttpProgress(0, null, 1));
        time.Advance(TimeSpan.FromMilliseconds(250));
        reporter.OnProgress(new HttpProgress(1000, null, 1));
        time.Advance(TimeSpan.FromMilliseconds(250));
        reporter.OnProgress(new HttpProgress(1000, null, 1));

        Assert.Equal([null, 4000d, 2000d], progress.Reports.Select(r => r.BytesPerSecond));
        Assert.All(progress.Reports, r => Assert.Null(r.EstimatedTimeRemaining));
        Assert.All(progress.Reports, r => Assert.Null(r.Fraction));
    }

    [Fact]
    public void ReportDownloadProgress_ZeroRate_NoEstimate()
    {
        var time = new FakeTimeProvider();
        var call = NewCall();
        var progress = new ListProgress<TransferProgress>();
        var reporter = new ProgressReporter(call, progress, new ProgressThrottle { TimeProvider = time });

        reporter.OnProgress(new HttpProgress(500, 1000, 1));
        time.Advance(TimeSpan.FromSeconds(1));
        reporter.OnProgress(new HttpProgress(500, 1000, 1));

        Assert.Equal(0d, progress.Reports[1].BytesPerSecond);
        Assert.Null(progress.Reports[1].EstimatedTimeRemaining);
    }

    [Fact]
    public void ReportDownloadProgress_NewAttempt_ReportsItsFirstEventAndRestartsTheRate()
    {
        var time = new FakeTimeProvider();
        var call = NewCall();
        var progress = new ListProgress<TransferProgress>();
        var reporter = new ProgressReporter(call, progress, new ProgressThrottle { MinimumInterval = TimeSpan.FromHours(1), TimeProvider = time });

        reporter.OnProgress(new HttpProgress(100, 1000, 1));
        time.Advance(TimeSpan.FromSeconds(1));
        reporter.OnProgress(new HttpProgress(400, 1000, 1)); // held back, then dropped by the retry
        reporter.OnProgress(new HttpProgress(50, 1000, 2));
        time.Advance(TimeSpan.FromSeconds(1));
        reporter.OnProgress(new HttpProgress(1000, 1000, 2));

        Assert.Equal([(1, 100L), (2, 50), (2, 1000)], progress.Reports.Select(r => (r.Attempt, r.Loaded)));
        Assert.Null(progress.Reports[1].BytesPerSecond);
        Assert.Equal(950d, progress.Reports[2].BytesPerSecond);
    }

    [Fact]
    public void ReportUploadProgress_OverlappingAttempts_FollowsTheLatestAttemptOnly()
    {
        var call = NewCall();
        var progress = new ListProgress<TransferProgress>();
        var reporter = new ProgressReporter(call, progress, new ProgressThrottle { MinimumInterval = TimeSpan.FromHours(1) });

        // Hedging: attempt 2 starts sending while attempt 1 still sends; their events interleave.
        reporter.OnProgress(new HttpProgress(100, 1000, 1));
        reporter.OnProgress(new HttpProgress(100, 1000, 2));
        reporter.OnProgress(new HttpProgress(200, 1000, 1));
        reporter.OnProgress(new HttpProgress(200, 1000, 2));
        reporter.OnProgress(new HttpProgress(1000, 1000, 1));
        reporter.OnProgress(new HttpProgress(1000, 1000, 2));

        // Without the rule every switch would be "the first event of an attempt": six reports, jumping between the two.
        Assert.Equal([(1, 100L), (2, 100), (2, 1000)], progress.Reports.Select(r => (r.Attempt, r.Loaded)));
    }

    [Fact]
    public void ReportDownloadProgress_CallEndsWithHeldBackEvent_FlushedAtComplete()
    {
        var call = NewCall();
        var progress = new ListProgress<TransferProgress>();
        var reporter = new ProgressReporter(call, progress, new ProgressThrottle { MinimumBytes = 1_000_000 });
        reporter.OnProgress(new HttpProgress(10, 5000, 1));
        reporter.OnProgress(new HttpProgress(20, 5000, 1));
        call.On(HttpEvents.Complete, reporter.OnComplete);

        call.Abort();

        Assert.Equal([10L, 20], progress.Reports.Select(r => r.Loaded));
        Assert.True(call.IsFinished);
    }

    [Fact]
    public void ReportUploadProgress_HeldBackEvent_FlushedWhenThatAttemptsHeadersArrive()
    {
        var call = NewCall();
        var progress = new ListProgress<TransferProgress>();
        var reporter = new ProgressReporter(call, progress, new ProgressThrottle { MinimumBytes = 1_000_000 });
        using var response = new HttpResponseMessage(HttpStatusCode.OK);

        reporter.OnProgress(new HttpProgress(10, null, 1));
        reporter.OnProgress(new HttpProgress(20, null, 1));
        reporter.OnUploadDone(new HttpHeadersEvent(HttpStatusCode.OK, response, call, attempt: 2));
        Assert.Equal([10L], progress.Reports.Select(r => r.Loaded));

        reporter.OnUploadDone(new HttpHeadersEvent(HttpStatusCode.OK, response, call, attempt: 1));
        reporter.OnComplete(call.Response);

        Assert.Equal([10L, 20], progress.Reports.Select(r => r.Loaded));
    }

    [Fact]
    public async Task ReportDownloadProgress_ThroughFactoryNoThrottle_DefaultReportsFarFewerThanEvents()
    {
        var server = await LoopbackServer.Shared;
        using var provider = BuildFactory("defaultThrottle", _ => { });
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("defaultThrottle");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/2000000?chunk=4096"));
        var events = 0;
        var progress = new ListProgress<TransferProgress>();
        HttpCall.For(request)
            .On(HttpEvents.HttpDownloadProgress, _ => events++)
            .ReportDownloadProgress(progress);

        using var response = await client.SendAsync(request).WithTimeout();

        // Every chunk is an event (hundreds); the default throttle lets one through per 100 ms, plus the first and the final.
        var reports = progress.Reports;
        Assert.True(events >= 100, $"{events} events");
        Assert.True(reports.Count * 4 < events, $"{events} events, {reports.Count} reports");
        Assert.True(reports[0].Loaded < 2_000_000);
        Assert.Equal(2_000_000, reports[^1].Loaded);
        Assert.Equal(TimeSpan.Zero, reports[^1].EstimatedTimeRemaining);
    }

    [Fact]
    public async Task ReportDownloadProgress_Action_ReportsInlineInOrderBeforeTheReadReturns()
    {
        var server = await LoopbackServer.Shared;
        using var provider = BuildFactory("inline", _ => { });
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("inline");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/300000?chunk=4096"));
        var reported = new List<long>();
        var seenByNextListener = new List<int>();
        HttpCall.For(request)
            .ReportDownloadProgress(p => reported.Add(p.Loaded), ProgressThrottle.None)
            .On(HttpEvents.HttpDownloadProgress, _ => seenByNextListener.Add(reported.Count));

        using var response = await client.SendAsync(request).WithTimeout();

        // Inline: each report was made before the next listener of the same event ran; in order: Loaded only grows.
        Assert.Equal(Enumerable.Range(1, seenByNextListener.Count), seenByNextListener);
        Assert.Equal(reported.Order(), reported);
        Assert.Equal(300_000, reported[^1]);
    }

    [Fact]
    public async Task ReportUploadProgress_Action_ReportsInlineFirstAndFinal()
    {
        var server = await LoopbackServer.Shared;
        using var provider = BuildFactory("uploadInline", _ => { });
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("uploadInline");
        var body = new byte[1024 * 1024];
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url("upload")) { Content = new ByteArrayContent(body) };
        var reported = new List<TransferProgress>();
        HttpCall.For(request).ReportUploadProgress(reported.Add, new ProgressThrottle { MinimumInterval = TimeSpan.FromHours(1) });

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(2, reported.Count);
        Assert.Equal(body.Length, reported[^1].Loaded);
    }

    [Fact]
    public async Task ReportDownloadProgress_ThroughFactory_ByteThrottleKeepsFirstAndFinal()
    {
        var server = await LoopbackServer.Shared;
        using var provider = BuildFactory("bytes", _ => { });
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("bytes");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/1000000?chunk=4096"));
        var events = 0;
        var progress = new ListProgress<TransferProgress>();
        HttpCall.For(request)
            .On(HttpEvents.HttpDownloadProgress, _ => events++)
            .ReportDownloadProgress(progress, new ProgressThrottle { MinimumBytes = 100_000 });

        using var response = await client.SendAsync(request).WithTimeout();

        var reports = progress.Reports;
        Assert.True(events > reports.Count, $"{events} events, {reports.Count} reports");
        Assert.InRange(reports.Count, 2, 12);
        Assert.True(reports[0].Loaded < 100_000);
        Assert.Equal(new TransferProgress(1_000_000, 1_000_000, 1, reports[^1].BytesPerSecond, TimeSpan.Zero), reports[^1]);
        for (var i = 1; i < reports.Count - 1; i++)
        {
            Assert.True(reports[i].Loaded - reports[i - 1].Loaded >= 100_000, $"report {i}: {reports[i].Loaded} after {reports[i - 1].Loaded}");
        }
    }

    [Fact]
    public async Task ReportDownloadProgress_ThroughFactory_ClientThrottleAppliesWhenNoneGiven()
    {
        var server = await LoopbackServer.Shared;
        using var provider = BuildFactory("clientThrottle", o => o.ProgressThrottle = new ProgressThrottle { MinimumInterval = TimeSpan.FromHours(1) });
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("clientThrottle");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/300000?chunk=4096&chunked=true"));
        var progress = new ListProgress<TransferProgress>();
        HttpCall.For(request).ReportDownloadProgress(progress);

        using var response = await client.SendAsync(request).WithTimeout();

        // Unknown length: the final report is the held-back last event, flushed when the body ended.
        Assert.Equal(2, progress.Reports.Count);
        Assert.Equal(300_000, progress.Reports[^1].Loaded);
        Assert.Null(progress.Reports[^1].Total);
    }

    [Fact]
    public async Task ReportUploadProgress_ThroughFactory_FirstAndFinalOnly()
    {
        var server = await LoopbackServer.Shared;
        using var provider = BuildFactory("upload", _ => { });
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("upload");
        var body = new byte[2 * 1024 * 1024];
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url("upload")) { Content = new ByteArrayContent(body) };
        var events = 0;
        var progress = new ListProgress<TransferProgress>();
        HttpCall.For(request)
            .On(HttpEvents.HttpUploadProgress, _ => events++)
            .ReportUploadProgress(progress, new ProgressThrottle { MinimumInterval = TimeSpan.FromHours(1) });

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.True(events > 2, $"{events} upload events");
        Assert.Equal(2, progress.Reports.Count);
        Assert.Equal(body.Length, progress.Reports[^1].Loaded);
        Assert.Equal(body.Length, progress.Reports[^1].Total);
        Assert.Equal(TimeSpan.Zero, progress.Reports[^1].EstimatedTimeRemaining);
    }

    [Fact]
    public async Task ReportDownloadProgress_ThroughFactoryWithRetry_EachAttemptStartsOver()
    {
        var server = await LoopbackServer.Shared;
        var services = new ServiceCollection();
        services.AddHttpClient("retry").AddEventing().AddTestRetry().AddBodyBuffering();
        using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("retry");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"flaky/{LoopbackServer.NewKey()}?failures=1&status=500&n=200000"));
        var progress = new ListProgress<TransferProgress>();
        HttpCall.For(request).ReportDownloadProgress(progress, new ProgressThrottle { MinimumInterval = TimeSpan.FromHours(1) });

        using var response = await client.SendAsync(request).WithTimeout();

        var reports = progress.Reports;
        Assert.Equal([1, 2], reports.Select(r => r.Attempt).Distinct());
        Assert.Equal("failure 1".Length, reports.Last(r => r.Attempt == 1).Loaded);
        Assert.InRange(reports.Count(r => r.Attempt == 2), 1, 2);
        Assert.Equal(200_000, reports[^1].Loaded);
    }

    private static HttpCall NewCall() => HttpCall.For(new HttpRequestMessage(HttpMethod.Get, "http://localhost/"));

    private static ServiceProvider BuildFactory(string name, Action<EventingOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddHttpClient(name).AddEventing(configure);
        return services.BuildServiceProvider();
    }
}
