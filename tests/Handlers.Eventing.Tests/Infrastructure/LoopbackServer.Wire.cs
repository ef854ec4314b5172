using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Handlers.Eventing.Tests.Infrastructure;

// Endpoints of the wire-progress tests (ResponseBody.AutomaticDecompression): one body, encoded each way a server sends it.
public sealed partial class LoopbackServer
{
    /// <summary>The codings of <c>/wire/{coding}/{n}</c>: <c>identity</c>, <c>gzip</c>, <c>zlib</c> and <c>raw</c> (both sent as <c>deflate</c>), <c>br</c>.</summary>
    public static readonly string[] WireCodings = ["identity", "gzip", "zlib", "raw", "br"];

    private static readonly ConcurrentDictionary<(string Coding, int Length), byte[]> s_encoded = new();

    /// <summary>
    /// Returns the decoded body of <c>/wire/{coding}/{n}</c>: text of 16 letters drawn at random (seeded), which compresses to
    /// about half, so that the encoded body still spans many reads.
    /// </summary>
    public static byte[] WireBody(int length)
    {
        var random = new Random(length);
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)('a' + (random.Next() & 15));
        }

        return bytes;
    }

    /// <summary>Returns the body of <c>/wire/{coding}/{n}</c> as it is sent: encoded with <paramref name="coding"/>.</summary>
    public static byte[] WireEncoded(string coding, int length) => s_encoded.GetOrAdd((coding, length), static key =>
    {
        var body = WireBody(key.Length);
        if (key.Coding == "identity")
        {
            return body;
        }

        using var encoded = new MemoryStream();
        using (Stream encoder = key.Coding switch
        {
            "gzip" => new GZipStream(encoded, CompressionLevel.Fastest, leaveOpen: true),
            "zlib" => new ZLibStream(encoded, CompressionLevel.Fastest, leaveOpen: true),
            "raw" => new DeflateStream(encoded, CompressionLevel.Fastest, leaveOpen: true),
            "br" => new BrotliStream(encoded, CompressionLevel.Fastest, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(key), key.Coding, "unknown coding"),
        })
        {
            encoder.Write(body);
        }

        return encoded.ToArray();
    });

    /// <summary>Returns the <c>Content-Encoding</c> a server sends for <paramref name="coding"/>, or null for identity.</summary>
    public static string? ContentEncodingOf(string coding) => coding switch
    {
        "identity" => null,
        "zlib" or "raw" => "deflate",
        _ => coding,
    };

    static partial void MapWireEndpoints(WebApplication app)
    {
        // GET /wire/{coding}/{n}?chunk=16384&length=true : WireBody(n) encoded with {coding} (WireEncoded), with its
        // Content-Encoding and, unless length=false, the encoded Content-Length; written in flushed chunks. It answers
        // identity when the request's Accept-Encoding does not name the coding's token (as a server negotiating would).
        app.MapGet("/wire/{coding}/{n:int}", async (HttpContext context, string coding, int n) =>
        {
            var query = context.Request.Query;
            var token = ContentEncodingOf(coding);
            var accepted = token is not null
                && context.Request.Headers.AcceptEncoding.ToString().Contains(token, StringComparison.OrdinalIgnoreCase);
            var body = WireEncoded(accepted ? coding : "identity", n);
            context.Response.Headers["X-Accept-Encoding"] = context.Request.Headers.AcceptEncoding.ToString();
            if (accepted)
            {
                context.Response.Headers.ContentEncoding = token;
            }

            context.Response.ContentType = "text/plain";
            if (query["length"] != "false")
            {
                context.Response.ContentLength = body.Length;
            }

            var chunk = Int(query, "chunk", 16 * 1024);
            for (var offset = 0; offset < body.Length; offset += chunk)
            {
                await context.Response.Body.WriteAsync(body.AsMemory(offset, Math.Min(chunk, body.Length - offset)), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });
    }
}
