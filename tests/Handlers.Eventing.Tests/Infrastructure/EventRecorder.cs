using System.Collections.Concurrent;

namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>Records the events of a call as "name" strings (and keeps the payloads), to assert exact sequences.</summary>
public sealed class EventRecorder
{
    private readonly ConcurrentQueue<string> _names = new();

    public EventRecorder(HttpCall call, bool data = true, bool progress = true)
    {
        Call = call;
        call.On(HttpEvents.Retry, e => Add($"retry:{e.Attempt}"));
        call.On(HttpEvents.HttpUploadProgress, p => { UploadProgress.Enqueue(p); Add("httpUploadProgress"); });
        call.On(HttpEvents.HttpHeaders, e => Add($"httpHeaders:{(int)e.StatusCode}"));
        if (progress)
        {
            call.On(HttpEvents.HttpDownloadProgress, p => { DownloadProgress.Enqueue(p); Add("httpDownloadProgress"); });
        }

        if (data)
        {
            call.On(HttpEvents.HttpData, e =>
            {
                lock (Body)
                {
                    Body.Write(e.Chunk.Span);
                }

                Add("httpData");
            });
        }

        call.On(HttpEvents.HttpError, e => { HttpErrors.Enqueue(e.Exception); Add("httpError"); });
        call.On(HttpEvents.HttpDone, _ => Add("httpDone"));
        call.On(HttpEvents.Success, _ => Add("success"));
        call.On(HttpEvents.Error, _ => Add("error"));
        call.On(HttpEvents.Complete, r => { Add($"complete:{r.Call.IsFinished}"); });
    }

    public HttpCall Call { get; }

    public MemoryStream Body { get; } = new();

    public ConcurrentQueue<HttpProgress> UploadProgress { get; } = new();

    public ConcurrentQueue<HttpProgress> DownloadProgress { get; } = new();

    public ConcurrentQueue<Exception> HttpErrors { get; } = new();

    public IReadOnlyList<string> Names => [.. _names];

    /// <summary>The names with consecutive repeats of chunk events collapsed to one, e.g. httpDownloadProgress,httpData.</summary>
    public string Compact()
    {
        var result = new List<string>();
        var names = Names;
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            if (name is "httpDownloadProgress" or "httpData" or "httpUploadProgress")
            {
                // Collapse a run of chunk events into one "name*" entry per kind, in first-seen order.
                var run = new List<string>();
                while (i < names.Count && names[i] is "httpDownloadProgress" or "httpData" or "httpUploadProgress")
                {
                    if (!run.Contains(names[i]))
                    {
                        run.Add(names[i]);
                    }

                    i++;
                }

                i--;
                result.AddRange(run.Select(r => r + "*"));
                continue;
            }

            result.Add(name);
        }

        return string.Join(",", result);
    }

    public int Count(string name) => Names.Count(n => n == name || n.StartsWith(name + ":", StringComparison.Ordinal));

    private void Add(string name) => _names.Enqueue(name);
}
