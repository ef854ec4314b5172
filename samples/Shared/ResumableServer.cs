using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Samples;

/// <summary>
/// A Kestrel server on 127.0.0.1 (port 0) with one file that supports ranges (a strong ETag, Accept-Ranges: bytes) and
/// whose first download is cut once, halfway: the connection is reset as soon as the client says it received that half.
/// </summary>
public sealed class ResumableServer : IAsyncDisposable
{
    private const string ETag = "\"sample-v1\"";

    private readonly WebApplication _app;
    private readonly byte[] _file;
    private readonly TaskCompletionSource _halfDelivered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;

    private ResumableServer(WebApplication app, byte[] file)
    {
        _app = app;
        _file = file;
    }

    public Uri FileUri { get; private set; } = null!;

    /// <summary>Gets one line per request the server received: its Range and If-Range, and what it answered.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Gets the SHA-256 of the file, to check a download against.</summary>
    public string Sha256 => Convert.ToHexString(SHA256.HashData(_file));

    public static async Task<ResumableServer> StartAsync(int size)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var file = new byte[size];
        new Random(42).NextBytes(file);
        var server = new ResumableServer(app, file);
        app.MapGet("/file", server.ServeAsync);
        await app.StartAsync();
        server.FileUri = new Uri(app.Urls.First().TrimEnd('/') + "/file");
        return server;
    }

    /// <summary>Tells the server how many bytes the client received (it cuts the first download once half arrived).</summary>
    public void Delivered(long bytes)
    {
        if (bytes >= _file.Length / 2)
        {
            _halfDelivered.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task ServeAsync(HttpContext context)
    {
        var first = Interlocked.Increment(ref _requests) == 1;
        var range = context.Request.Headers.Range.ToString();
        var from = 0;
        context.Response.Headers.ETag = ETag;
        context.Response.Headers.AcceptRanges = "bytes";
        if (range.StartsWith("bytes=", StringComparison.Ordinal) && context.Request.Headers.IfRange == ETag)
        {
            from = int.Parse(range["bytes=".Length..].TrimEnd('-'));
            context.Response.StatusCode = StatusCodes.Status206PartialContent;
            context.Response.Headers.ContentRange = $"bytes {from}-{_file.Length - 1}/{_file.Length}";
        }

        Requests.Enqueue($"GET /file  Range: {(range.Length > 0 ? range : "-")}  If-Range: {context.Request.Headers.IfRange.ToString() switch { "" => "-", var v => v }}" +
            $"  → {context.Response.StatusCode}{(first ? ", cut after half" : "")}");
        context.Response.ContentLength = _file.Length - from;
        var end = first ? _file.Length / 2 : _file.Length;
        try
        {
            for (var offset = from; offset < end; offset += 64 * 1024)
            {
                await context.Response.Body.WriteAsync(_file.AsMemory(offset, Math.Min(64 * 1024, end - offset)), context.RequestAborted);
            }

            if (first)
            {
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await _halfDelivered.Task.WaitAsync(context.RequestAborted);
                context.Abort();
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }
}
