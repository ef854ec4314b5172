using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Refit;

namespace Handlers.Eventing.Tests.Readme;

/// <summary>
/// The README's code blocks, verbatim, so that the compiler checks them; <see cref="ReadmeSnippetsTests"/> fails when
/// a block of the README is not found here. They are compiled, not run: they name hosts on the internet.
/// </summary>
internal static class ReadmeSnippets
{
    public static async Task ProgressBarAsync(IServiceCollection services, IServiceProvider provider, ProgressBarStub bar)
    {
        // README: A progress bar
        services.AddHttpClient("files")
            .AddEventing(o => o.ResponseBody.AutomaticDecompression = DecompressionMethods.All);   // the library decodes: the bar keeps its total
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("files");

        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.com/big.iso");
        HttpCall.For(request)
            .ReportDownloadProgress(p => bar.Value = p.Fraction ?? 0)   // Loaded, Total, Fraction, BytesPerSecond, EstimatedTimeRemaining
            .On(HttpEvents.Complete, r => Console.WriteLine(r.Error is null ? "done" : r.Error.Message));

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var file = File.Create("big.iso");
        await response.Content.CopyToAsync(file);     // events fire as this copy pulls the body through
    }

    public static void StalledDownload(IServiceCollection services)
    {
        // README: A stalled download ends
        services.AddHttpClient("files").AddEventing(o => o.ResponseBody.IdleTimeout = TimeSpan.FromSeconds(30));
    }

    public static void ResumedDownload(IServiceCollection services)
    {
        // README: A download that breaks resumes
        services.AddHttpClient("files").AddEventing(o => o.ResponseBody.MaxResumeAttempts = 3);
    }

    public static async Task TypedClientsAsync(IServiceCollection services, IServiceProvider provider, ProgressBarStub bar)
    {
        // README: Typed clients (Refit, Kiota, Flurl)
        services.AddHttpClient("files", http => http.BaseAddress = new Uri("https://example.com"))
            .AddEventing()
            .AddTypedClient(http => RestService.ForGenerated<IFiles>(http));   // Refit: [Get("/{name}")] Task<Stream> DownloadAsync(string name)
        var files = provider.GetRequiredService<IFiles>();

        using (HttpCall.Observe(call => call.ReportDownloadProgress(p => bar.Value = p.Fraction ?? 0)))
        {
            await using var body = await files.DownloadAsync("big.iso");   // Refit builds and sends the request
            await using var file = File.Create("big.iso");
            await body.CopyToAsync(file);
        }
    }

    public static void LifecycleLogging(IServiceCollection services)
    {
        // README: Lifecycle logging
        services.AddLogging(logging => logging.AddConsole()
            .AddFilter("Polly", LogLevel.Error));              // Polly's own lines: only its errors (a circuit that opens)
        services.AddHttpClient("files")
            .RemoveAllLoggers()                                 // the factory's own per-request lines
            .AddEventing(options => options.LogLifecycle = true)
            .AddStandardResilienceHandler();
        // info: Handlers.Eventing.HttpCall.files[5] HTTP call GET https://example.com/big.iso?token=* ended in Success:
        //       status 200, attempt 1, retries 0, sent 0 B, received 734003200 B, headers after 41.2ms, duration 1523.4ms
    }

    public static async Task AwsStyleAsync()
    {
        // README: AWS style
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
        await using var file = File.Create("report.csv");

        var response = await client.CreateCall(HttpMethod.Get, "https://example.com/report.csv")
            .On(HttpEvents.HttpHeaders, e => Console.WriteLine($"{(int)e.StatusCode}, attempt {e.Attempt}"))
            .On(HttpEvents.HttpData, e => file.Write(e.Chunk.Span))          // streamed: nothing is buffered
            .On(HttpEvents.Success, _ => Console.WriteLine("Success!"))
            .On(HttpEvents.Error, r => Console.WriteLine($"Error! {r.Error!.Message}"))
            .On(HttpEvents.Complete, _ => Console.WriteLine("Always!"))
            .SendAsync();                                                   // sends, drives the body to its end
        _ = response;
    }

    public static void Retries(IServiceCollection services)
    {
        // README: Retries and hedging
        services.AddHttpClient("api")
            .AddEventing(options => options.LogLifecycle = true)     // any order: AddEventing places itself around the retries
            .AddStandardResilienceHandler();                         // Microsoft.Extensions.Http.Resilience

        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.com/flaky");
        HttpCall.For(request)
            .On(HttpEvents.Retry, e => Console.WriteLine($"{e.Kind} {e.Attempt} in {e.Delay} after {e.PreviousStatusCode}"))
            .On(HttpEvents.Complete, r => Console.WriteLine($"{r.StatusCode} after {r.RetryCount} retries"));
    }

    internal sealed class ProgressBarStub
    {
        public double Value { get; set; }
    }

    /// <summary>The Refit interface of the typed-client block.</summary>
    public interface IFiles
    {
        [Get("/{name}")]
        Task<Stream> DownloadAsync(string name);
    }
}
