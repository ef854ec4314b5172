using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Handlers.Eventing.Tests.Infrastructure;

// Endpoints of the resume tests (issue 25): a download that breaks on purpose, and servers that answer a Range request
// right, or in each of the ways real servers get it wrong.
public sealed partial class LoopbackServer
{
    /// <summary>The strong validator of every /resume body of length n.</summary>
    public static string ResumeETag(long n) => $"\"v1-{n}\"";

    private static readonly DateTimeOffset s_resumeLastModified = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _resumeRequests = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _resumeTraceparents = new();

    /// <summary>Returns the <c>traceparent</c> header of each request the /resume endpoint received for <paramref name="key"/>.</summary>
    public IReadOnlyList<string> ResumeTraceparents(string key) => _resumeTraceparents.TryGetValue(key, out var values) ? [.. values] : [];

    /// <summary>Makes <paramref name="call"/> tell the /resume endpoint of <paramref name="key"/> how many bytes it received.</summary>
    public void SignalDelivered(HttpCall call, string key) =>
        call.On(HttpEvents.HttpDownloadProgress, p => Signal($"{key}@{p.WireLoaded ?? p.Loaded}"));

    /// <summary>Returns what the /resume endpoint received for <paramref name="key"/>: one "Range | If-Range" line per request.</summary>
    public IReadOnlyList<string> ResumeRequests(string key) => _resumeRequests.TryGetValue(key, out var requests) ? [.. requests] : [];

    static partial void MapResumeEndpoints(WebApplication app)
    {
        // GET /resume/{n}?key=s&cut=m[&cuts=c][&stall=true][&validator=etag|lastmod|weak|none][&ranges=false][&mode=...]
        // Serves n pattern bytes with a validator and Accept-Ranges. Each response of the first c (default 1) breaks after m
        // bytes of its own: the connection is cut (a reset) once the client signalled "{key}@{offset}" (it received them all:
        // LoopbackServer.SignalDelivered), or with stall=true the body stops and waits for the client to go.
        // A Range request is answered 206 from its offset when If-Range matches; mode= makes the answer wrong on purpose:
        // ignore (200 with the whole body, as nginx's gzip_static), 416, etag (another validator), elsewhere (a range that
        // starts one byte later), length (another complete length), reset (the resume's connection fails before headers),
        // hang (the resume's answer never comes); with encoding=gzip, corrupt garbles the encoded bytes from cut= on (use cuts=0).
        app.MapGet("/resume/{n:long}", async (HttpContext context, long n) =>
        {
            var query = context.Request.Query;

            // encoding=gzip: the body is /wire/gzip/{n}'s (WireEncoded), and every offset and length counts encoded bytes.
            var encodedBody = (string?)query["encoding"] == "gzip" ? WireEncoded("gzip", (int)n) : null;
            if (encodedBody is not null)
            {
                n = encodedBody.Length;
                context.Response.Headers.ContentEncoding = "gzip";
                if ((string?)query["mode"] == "corrupt")
                {
                    // The encoded bytes from cut= on are garbled (not cut): the client's decoder fails, not the transport.
                    encodedBody = encodedBody.ToArray();
                    for (var i = int.Parse((string?)query["cut"] ?? "0", CultureInfo.InvariantCulture); i < encodedBody.Length; i++)
                    {
                        encodedBody[i] ^= 0x5A;
                    }
                }
            }

            var key = (string?)query["key"] ?? NewKey();
            var cut = long.Parse((string?)query["cut"] ?? "0", CultureInfo.InvariantCulture);
            var cuts = int.Parse((string?)query["cuts"] ?? "1", CultureInfo.InvariantCulture);
            var stall = (string?)query["stall"] == "true";
            var validator = (string?)query["validator"] ?? "etag";
            var mode = (string?)query["mode"] ?? "";
            var server = await Shared;
            var range = context.Request.Headers.Range.ToString();
            var ifRange = context.Request.Headers.IfRange.ToString();
            var log = server._resumeRequests.GetOrAdd(key, static _ => new ConcurrentQueue<string>());
            var index = log.Count;
            log.Enqueue($"{(range.Length == 0 ? "-" : range)} | {(ifRange.Length == 0 ? "-" : ifRange)}");
            server._resumeTraceparents.GetOrAdd(key, static _ => new ConcurrentQueue<string>()).Enqueue(context.Request.Headers["traceparent"].ToString());

            var etag = ResumeETag(n);
            var response = context.Response;
            void Validators(string tag)
            {
                switch (validator)
                {
                    case "etag":
                        response.Headers.ETag = tag;
                        break;
                    case "weak":
                        response.Headers.ETag = "W/" + tag;
                        break;
                    case "lastmod":
                        response.Headers.LastModified = s_resumeLastModified.ToString("R", CultureInfo.InvariantCulture);
                        break;
                }

                if ((string?)query["ranges"] != "false")
                {
                    response.Headers.AcceptRanges = "bytes";
                }
            }

            long from = 0;
            if (range.Length > 0)
            {
                if (mode == "reset")
                {
                    context.Abort();
                    return;
                }

                if (mode == "hang")
                {
                    // The resume's answer never comes: the client's idle clock must end the wait.
                    await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(static _ => { });
                    return;
                }

                if (mode == "416")
                {
                    // With a body, as real servers send it (a bodiless response would end at its headers, with httpDone).
                    response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                    response.Headers.ContentRange = $"bytes */{n}";
                    await response.WriteAsync("Range Not Satisfiable", context.RequestAborted);
                    return;
                }

                var matches = ifRange == etag || ifRange == s_resumeLastModified.ToString("R", CultureInfo.InvariantCulture);
                if (mode != "ignore" && matches)
                {
                    from = long.Parse(range["bytes=".Length..].TrimEnd('-'), CultureInfo.InvariantCulture);
                    var start = mode == "elsewhere" ? from + 1 : from;
                    var length = mode == "length" ? n + 1 : n;
                    response.StatusCode = StatusCodes.Status206PartialContent;
                    response.Headers.ContentRange = $"bytes {start}-{n - 1}/{length}";
                    from = start;
                }
            }

            Validators(mode == "etag" && range.Length > 0 ? $"\"v2-{n}\"" : etag);
            response.ContentLength = n - from;
            var breaks = index < cuts;
            var stopAt = breaks ? Math.Min(n, from + cut) : n;
            try
            {
                await response.StartAsync(context.RequestAborted);
                if (encodedBody is not null)
                {
                    await response.Body.WriteAsync(encodedBody.AsMemory((int)from, (int)(stopAt - from)), context.RequestAborted);
                }
                else
                {
                    await WriteRangeAsync(context, from, stopAt);
                }

                await response.Body.FlushAsync(context.RequestAborted);
                if (breaks && stopAt < n)
                {
                    if (stall)
                    {
                        await Task.Delay(Timeout.Infinite, context.RequestAborted);
                    }

                    // Cut once the client has received every byte sent (it signals "{key}@{received}"): a reset that came
                    // sooner could discard bytes, or the headers, still in the client's socket buffer.
                    await server.SignalFor($"{key}@{stopAt}").Task.WaitAsync(TimeSpan.FromSeconds(30), context.RequestAborted);
                    context.Abort();
                    return;
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                // The client went away.
            }
        });
    }
}
