// A download that breaks halfway and goes on: the sample's own server resets the connection once, after half of a 64 MiB
// file. With ResponseBody.MaxResumeAttempts the library asks for the rest (Range + If-Range with the ETag) through the
// client's pipeline and splices it into the stream the caller is reading: the bar pauses and goes on, the caller's read
// never throws, and the SHA-256 of what it read matches the file's.
//   dotnet run --project samples/ResumableDownload [-- --size 64]   # MiB
using System.Security.Cryptography;
using Handlers.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Samples;

var sizeMiB = args is ["--size", var size] ? int.Parse(size) : 64;
await using var server = await ResumableServer.StartAsync(sizeMiB * 1048576);

// 1. A client that resumes a cut body (up to 3 times per call) and fails a body that stalls for 30 s.
var services = new ServiceCollection();
services.AddHttpClient("files").AddEventing(options =>
{
    options.ResponseBody.MaxResumeAttempts = 3;
    options.ResponseBody.IdleTimeout = TimeSpan.FromSeconds(30);
});
await using var provider = services.BuildServiceProvider();
var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("files");

// 2. The call's events, and a progress line every 8 MiB (the server hears how much arrived: it cuts after half).
using var request = new HttpRequestMessage(HttpMethod.Get, server.FileUri);
long nextLine = 0;
HttpCall.For(request)
    .On(HttpEvents.HttpHeaders, e => Console.WriteLine($"httpHeaders  attempt {e.Attempt}: {(int)e.StatusCode} {e.Response.Content.Headers.ContentRange}"))
    .On(HttpEvents.HttpDownloadProgress, p =>
    {
        server.Delivered(p.Loaded);
        if (p.Loaded >= nextLine || p.Loaded == p.Total)
        {
            Console.WriteLine($"progress     attempt {p.Attempt}: {p.Loaded / 1048576.0,5:0.0} of {p.Total / 1048576.0:0.0} MiB ({p.Fraction:P0})");
            nextLine = p.Loaded + 8 * 1048576;
        }
    })
    .On(HttpEvents.HttpError, e => Console.WriteLine($"httpError    attempt {e.Attempt}: {e.Exception.GetType().Name}: {e.Exception.Message}"))
    .On(HttpEvents.Retry, e => Console.WriteLine($"retry        attempt {e.Attempt} ({e.Kind}) after {e.PreviousError?.GetType().Name}"))
    .On(HttpEvents.HttpDone, r => Console.WriteLine($"httpDone     {r.BytesReceived} bytes, {r.RetryCount} resume(s)"));

// 3. The caller reads one stream to its end, as if nothing happened.
using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
await using var body = await response.Content.ReadAsStreamAsync();
var hash = Convert.ToHexString(await SHA256.HashDataAsync(body));

Console.WriteLine("The server's view:");
foreach (var line in server.Requests)
{
    Console.WriteLine("  " + line);
}

Console.WriteLine($"SHA-256 read {hash}");
Console.WriteLine($"SHA-256 file {server.Sha256} {(hash == server.Sha256 ? "(match)" : "(MISMATCH)")}");
return hash == server.Sha256 ? 0 : 1;
