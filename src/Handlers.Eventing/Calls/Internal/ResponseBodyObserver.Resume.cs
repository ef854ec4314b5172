using System.Net;
using System.Net.Http.Headers;

namespace Handlers.Eventing.Internal;

// Resume (ResponseBodyOptions.MaxResumeAttempts, design.md §5): when a read of the returned body fails with a transport
// failure and the response is resumable, the reader asks the call for the rest with Range/If-Range through the pipeline
// below the call part, and on a 206 that continues this body it swaps the source and reads on: the caller's stream, its
// counts and its idle clock stay. The reader does this itself, one read at a time, so nothing else touches the source.
internal sealed partial class ResponseBodyObserver
{
    private long _wireBase;        // wire bytes delivered by the sources before this one
    private bool _failureReported; // the failed attempt's httpError was raised by a resume that was then refused

    /// <summary>Gets the wire bytes the current source (attempt) delivered.</summary>
    public long SourceWireBytes => WireBytes - _wireBase;

    /// <summary>
    /// Tries to resume the body after a read failed with <paramref name="exception"/>. Returns <see langword="true"/> when
    /// the body goes on from a new source (the caller's read must be made again), <see langword="false"/> when the read must
    /// fail as it would have; throws the failure that could not be resumed when a resume was tried and refused or failed.
    /// </summary>
    public async ValueTask<bool> TryResumeAsync(Exception exception, CancellationToken callerToken, bool openStream, bool async)
    {
        var failure = Stall ?? exception;
        if (!IsTransportFailure(failure) || !_call.IsReturnedBody(this) || Volatile.Read(ref _aborted) != 0
            || Volatile.Read(ref _state) != Open || callerToken.IsCancellationRequested || Attempt is not { } failed
            || ResumeRequest() is not { } resume || !_call.TryTakeResume())
        {
            return false;
        }

        // The failed attempt has ended: its httpError (a transport failure), then its measurements and the retry event.
        StopIdleClock();
        ResetIdleClock();
        var timings = failed.EndTimings();
        if (_call.RaiseAttemptFailed(new HttpErrorEvent(failure, _call, failed.Number, timings)) is { } listenerFault)
        {
            resume.Dispose();
            Fault.Rethrow(FailByListener(listenerFault));
        }

        _failureReported = true;
        if (_call.OnResumingFrom(failure) is { } retryFault)
        {
            // A retry listener threw: no resume is sent, and the read throws the listener's own exception.
            resume.Dispose();
            Fault.Rethrow(FailByListener(retryFault));
        }

        if (Decoder is { } decoder)
        {
            // The decoder's state is the body so far: keep it, release only the failed transport under it.
            decoder.ReleaseTransport();
        }
        else
        {
            _source.Release();
        }

        // A fresh token source: the failed read's may have been cancelled by the idle clock. The clock bounds the resume.
        DisposeReadCancellation();
        var token = ReadToken(callerToken);
        StartIdleClock();
        HttpResponseMessage? response = null;
        Exception? refusal = null;
        try
        {
            var sending = _call.SendResumeAsync(resume, token);
            // Stryker disable once Conditional : either arm gives the same response; the other only blocks a thread where this one awaits (or the reverse), which no result shows
            response = async ? await sending.ConfigureAwait(false) : sending.GetAwaiter().GetResult();
            if (StopIdleClock() is not null || !Continues(response) || response.Content is not ObservedResponseContent next)
            {
                ResetIdleClock();
                // Refused (another answer, another validator or length): its httpHeaders was raised, its body goes unread.
                response.Dispose();
                refusal = OnFailure(failure);
                Fault.Rethrow(refusal);
                return false;
            }

            // The 206 continues this body: read on from its source, with this body's counts. A decoded body keeps its decoder
            // and takes the new attempt's encoded bytes under it.
            _call.OnResumed(failed, SourceWireBytes, failure);
            _wireBase = WireBytes;
            _failureReported = false;
            if (Decoder is { } decoding && next.Observer.Source.Decoder is { } nextDecoding)
            {
                var encoded = nextDecoding.EncodedContent;
                // Stryker disable once Conditional : either arm gives the same stream; the other only blocks a thread where this one awaits (or the reverse), which no result shows
                var transport = async
                    ? await encoded.ReadAsStreamAsync(token).ConfigureAwait(false)
                    : encoded.ReadAsStream(token);
                decoding.ResumeFrom(encoded, transport);
                var decoded = _source.Stream;
                _source = new AttemptBodySource(decoding, next.Observer.Source.Attempt);
                if (decoded is not null)
                {
                    _source.SetStream(decoded);
                }

                return true;
            }

            _source = next.Observer.Source;
            if (openStream)
            {
                // Stryker disable once Conditional : either arm gives the same stream; the other only blocks a thread where this one awaits (or the reverse), which no result shows
                var stream = async
                    ? await _source.Content.ReadAsStreamAsync(token).ConfigureAwait(false)
                    : _source.Content.ReadAsStream(token);
                _source.SetStream(stream);
            }

            return true;
        }
        catch (Exception ex) when (!ReferenceEquals(ex, failure) && !ReferenceEquals(ex, refusal))
        {
            // The resume's send failed (its attempt raised its own httpError), or the abort, the caller or the idle clock
            // ended it: the read throws the failure it tried to resume (or the abort, or the caller's cancellation).
            StopIdleClock();
            ResetIdleClock();
            response?.Dispose();
            Fault.Rethrow(OnFailure(
                Volatile.Read(ref _aborted) != 0 ? ex
                : callerToken.IsCancellationRequested ? AsCallerSawIt(ex, callerToken)
                : failure));
            return false;
        }
        finally
        {
            resume.Dispose();
        }
    }

    private static bool IsTraceHeader(string name) =>
        name.Equals("traceparent", StringComparison.OrdinalIgnoreCase) || name.Equals("tracestate", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Request-Id", StringComparison.OrdinalIgnoreCase) || name.Equals("baggage", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Correlation-Context", StringComparison.OrdinalIgnoreCase);

    private static bool IsTransportFailure(Exception exception) => exception switch
    {
        OperationCanceledException => false,
        IOException => true,
        HttpRequestException { InnerException: IOException } => true,
        _ => false,
    };

    /// <summary>
    /// Returns the request that asks for the rest of this body, or <see langword="null"/> when the response is not resumable:
    /// a GET without a Range of its own, 200 or 206 with a known complete length, a strong ETag (or, not encoded, a
    /// Last-Modified), ranges accepted, not decoded by the library or a primary handler.
    /// </summary>
    private HttpRequestMessage? ResumeRequest()
    {
        if (_call.Response.HttpResponse is not { } response || response.RequestMessage is not { } request
            || request.Method != HttpMethod.Get || request.Headers.Range is not null
            || DecodedBelow || CompleteLength(response) is null)
        {
            return null;
        }

        var etag = response.Headers.ETag;
        var encoded = Decodes || response.Content.Headers.ContentEncoding.Count > 0;
        RangeConditionHeaderValue condition;
        if (etag is { IsWeak: false })
        {
            condition = new RangeConditionHeaderValue(etag);
        }
        else if (!encoded && response.Content.Headers.LastModified is { } lastModified)
        {
            condition = new RangeConditionHeaderValue(lastModified);
        }
        else
        {
            return null;
        }

        if (response.StatusCode != HttpStatusCode.PartialContent && !response.Headers.AcceptRanges.Contains("bytes"))
        {
            return null;
        }

        // The request as it stood after its send: its final URI (after redirects), its headers as the handlers left them.
        var resume = new HttpRequestMessage(HttpMethod.Get, request.RequestUri)
        {
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
        };
        foreach (var header in request.Headers.NonValidated)
        {
            // The trace context is the failed attempt's: the runtime writes the resume attempt's own.
            if (!IsTraceHeader(header.Key))
            {
                resume.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        resume.Headers.Range = new RangeHeaderValue(WireBytes, null);
        resume.Headers.IfRange = condition;
        return resume;
    }

    /// <summary>
    /// Returns the complete length on the wire of the body this observer reads: its Content-Length (the encoded one, when the
    /// library decodes it), or a 206's Content-Range length.
    /// </summary>
    private long? CompleteLength(HttpResponseMessage response) => response.StatusCode switch
    {
        HttpStatusCode.OK => Decoder is { } decoder ? decoder.WireTotal : response.Content.Headers.ContentLength,
        HttpStatusCode.PartialContent => response.Content.Headers.ContentRange?.Length,
        _ => null,
    };

    /// <summary>Returns the content codings a response's body came with (before the library decoded it, if it did).</summary>
    private static ICollection<string> Encodings(HttpResponseMessage response, AttemptBodySource source) =>
        (source.Decoder?.EncodedContent ?? response.Content).Headers.ContentEncoding;

    /// <summary>Tells whether <paramref name="next"/> continues this body: a 206 at the offset, same length, validator and coding.</summary>
    private bool Continues(HttpResponseMessage next)
    {
        var first = _call.Response.HttpResponse!;
        return next.StatusCode == HttpStatusCode.PartialContent
            && next.Content.Headers.ContentRange is { HasRange: true, From: { } from, Length: { } length }
            && from == WireBytes
            && length == CompleteLength(first)
            && (first.Headers.ETag is not { } etag || (next.Headers.ETag is { IsWeak: false } tag && tag.Tag == etag.Tag))
            && next.Content is ObservedResponseContent observed
            && Encodings(first, _source).SequenceEqual(Encodings(next, observed.Observer.Source), StringComparer.OrdinalIgnoreCase);
    }
}
