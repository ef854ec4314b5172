using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Benchmarks.Loopback;

/// <summary>
/// Kestrel on 127.0.0.1 (HTTP/1.1, keep-alive), in this process: <c>/item</c> answers 1 KiB, <c>/file/{bytes}</c> streams
/// that many bytes in 256 KiB writes, <c>/gzip-file/{bytes}</c> that many bytes of text gzip-compressed (about 1.8 : 1, with
/// <c>Content-Encoding: gzip</c> and the encoded Content-Length), in 256 KiB writes.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private static readonly byte[] s_item = CreateBytes(1024);
    private static readonly byte[] s_chunk = CreateBytes(256 * 1024);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<long, byte[]> s_gzipped = new();
    private readonly WebApplication _app;

    private LoopbackServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public Uri Item => new(BaseAddress, "item");

    public static async Task<LoopbackServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/item", static async context =>
        {
            context.Response.ContentLength = s_item.Length;
            await context.Response.Body.WriteAsync(s_item, context.RequestAborted);
        });
        app.MapGet("/file/{size:long}", static async (HttpContext context, long size) =>
        {
            context.Response.ContentLength = size;
            for (long sent = 0; sent < size; sent += s_chunk.Length)
            {
                await context.Response.Body.WriteAsync(s_chunk.AsMemory(0, (int)Math.Min(s_chunk.Length, size - sent)), context.RequestAborted);
            }
        });
        app.MapGet("/gzip-file/{size:long}", static async (HttpContext context, long size) =>
        {
            var encoded = Gzipped(size);
            context.Response.Headers.ContentEncoding = "gzip";
            context.Response.ContentLength = encoded.Length;
            for (var sent = 0; sent < encoded.Length; sent += s_chunk.Length)
            {
                await context.Response.Body.WriteAsync(encoded.AsMemory(sent, Math.Min(s_chunk.Length, encoded.Length - sent)), context.RequestAborted);
            }
        });
        await app.StartAsync();
        return new LoopbackServer(app, new Uri(app.Urls.First() + "/"));
    }

    public Uri File(long size) => new(BaseAddress, "file/" + size.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public Uri GzipFile(long size) => new(BaseAddress, "gzip-file/" + size.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Returns the encoded body of <c>/gzip-file/{size}</c> (made once per size).</summary>
    public static byte[] Gzipped(long size) => s_gzipped.GetOrAdd(size, static size =>
    {
        var random = new Random(42);
        var text = new byte[size];
        for (long i = 0; i < size; i++)
        {
            text[i] = (byte)('a' + (random.Next() & 15));
        }

        using var encoded = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(encoded, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(text);
        }

        return encoded.ToArray();
    });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static byte[] CreateBytes(int length)
    {
        var bytes = new byte[length];
        new Random(42).NextBytes(bytes);
        return bytes;
    }
}
