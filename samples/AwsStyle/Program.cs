// The AWS SDK for JavaScript v2 "request events" page, in C#: chained success/error/complete, httpHeaders, streaming a
// body to a file from httpData without buffering, upload progress, and abort().
//
//   dotnet run --project samples/AwsStyle
using Handlers.Eventing;
using Samples;

await using var server = await DemoServer.StartAsync(fileSize: 8 * 1024 * 1024);
using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler())) { BaseAddress = server.BaseAddress };

// 1. Chaining multiple callbacks: request.on('success', ...).on('error', ...).on('complete', ...).send()
Console.WriteLine("1. Chained success / error / complete on a 404:");
await client.CreateCall(HttpMethod.Get, "missing")
    .On(HttpEvents.Success, _ => Console.WriteLine("   Success!"))
    .On(HttpEvents.Error, response => Console.WriteLine($"   Error! {response.Error?.Message}"))
    .On(HttpEvents.Complete, response => Console.WriteLine($"   Always! (status {(int?)response.StatusCode})"))
    .SendAsync();

// 2. httpHeaders: (statusCode, headers, response); only the headers the response has, with their values.
Console.WriteLine("2. httpHeaders:");
await client.CreateCall(HttpMethod.Get, "flaky")
    .On(HttpEvents.HttpHeaders, e => Console.WriteLine($"   {(int)e.StatusCode} {e.StatusCode}, attempt {e.Attempt}: " +
        string.Join("; ", e.Response.Headers.Concat(e.Response.Content.Headers).Select(h => $"{h.Key}: {string.Join(", ", h.Value)}"))))
    .SendAsync();

// 3. httpData: stream a large body to a file as it arrives; nothing is buffered (no "default listener" to remove).
Console.WriteLine("3. Streaming 8 MiB to a file from httpData:");
var path = Path.Combine(Path.GetTempPath(), $"aws-style-{Guid.NewGuid():N}.bin");
await using (var file = File.Create(path))
{
    var response = await client.CreateCall(HttpMethod.Get, "file")
        .On(HttpEvents.HttpData, data => file.Write(data.Chunk.Span))
        .On(HttpEvents.HttpDownloadProgress, p => { if (p.Loaded == p.Total) { Console.WriteLine($"   downloaded {p.Loaded} of {p.Total}"); } })
        .SendAsync();
    Console.WriteLine($"   {(response.Error is null ? "success" : "error")}: {new FileInfo(path).Length} bytes on disk");
}

File.Delete(path);

// 4. httpUploadProgress: a 10 MiB in-memory body still reports as it is handed to the transport.
Console.WriteLine("4. Upload progress of a 10 MiB body:");
var upload = new HttpRequestMessage(HttpMethod.Post, "upload") { Content = new ByteArrayContent(new byte[10 * 1024 * 1024]) };
var uploadEvents = 0;
var uploaded = await client.CreateCall(upload)
    .On(HttpEvents.HttpUploadProgress, p => { if (++uploadEvents % 40 == 1 || p.Loaded == p.Total) { Console.WriteLine($"   sent {p.Loaded,9} of {p.Total}"); } })
    .SendAsync();
Console.WriteLine($"   {uploadEvents} upload events, status {(int?)uploaded.StatusCode}");

// 5. abort(): the pending read throws, error then complete fire, and nothing hangs.
Console.WriteLine("5. Abort() in the middle of a slow body:");
var slow = client.CreateCall(HttpMethod.Get, "slow");
slow.Once(HttpEvents.HttpData, _ => slow.Abort());
slow.On(HttpEvents.Complete, response => Console.WriteLine($"   complete: {response.Error?.Message}"));
try
{
    await slow.SendAsync();
}
catch (OperationCanceledException ex)
{
    Console.WriteLine($"   SendAsync threw: {ex.GetType().Name}");
}

// 6. on-finished: a complete listener added after the end still runs, at once.
slow.On(HttpEvents.Complete, _ => Console.WriteLine($"6. Late complete listener ran; IsFinished = {slow.IsFinished}"));
return 0;
