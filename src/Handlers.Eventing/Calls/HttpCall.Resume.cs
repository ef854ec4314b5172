using Handlers.Eventing.Internal;

namespace Handlers.Eventing;

// Resume (ResponseBodyOptions.MaxResumeAttempts, design.md §5): the call part that started the call lends the call a way to
// send an attempt through the pipeline below it; the returned body asks for it when it failed mid-stream. Nothing here is
// allocated unless the client turned resume on.
public sealed partial class HttpCall
{
    private ResumeState? _resume;

    /// <summary>
    /// Lets the returned body resume: <paramref name="sendAttempt"/> sends a request through the pipeline below the call part
    /// (so resilience handlers and the attempt part apply). Called by the call part right after it started the call.
    /// </summary>
    internal void EnableResume(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> sendAttempt)
    {
        if (_options.ResponseBody.MaxResumeAttempts > 0)
        {
            _resume = new ResumeState(sendAttempt, _options.ResponseBody.MaxResumeAttempts);
        }
    }

    /// <summary>Gets a value indicating whether <paramref name="body"/> is the body of the response the call returned.</summary>
    internal bool IsReturnedBody(ResponseBodyObserver body) => ReferenceEquals(Volatile.Read(ref _returned), body);

    /// <summary>Takes one resume of the call's budget; returns <see langword="false"/> when resume is off or none is left.</summary>
    internal bool TryTakeResume() => _resume is { } resume && resume.TryTake();

    /// <summary>
    /// Announces the resume attempt: <see cref="HttpEvents.Retry"/> with <see cref="HttpAttemptKind.Resume"/>. Returns a
    /// listener exception of that event (the resume is then not sent: the read throws it), or <see langword="null"/>.
    /// </summary>
    internal Exception? OnResumingFrom(Exception failure) =>
        AnnounceAttempt(HttpAttemptKind.Resume, delay: null, failure, previousStatusCode: null);

    /// <summary>
    /// Records that the returned body goes on from a resume attempt: the attempt that failed mid-stream has raised its last
    /// event, and its measurements are taken with the wire bytes it delivered.
    /// </summary>
    internal void OnResumed(CallAttempt failed, long wireBytes, Exception failure)
    {
        lock (SyncRoot)
        {
            _attempts.OnBodyClosed();
        }

        NotifyAttemptEnded(
            HttpEvents.HttpError, new AttemptEnd(failed.Number, failed.StatusCode, failed.RequestBodyBytes, wireBytes, failure, failed.ResponseVersion));
    }

    /// <summary>Sends a resume attempt through the pipeline below the call part.</summary>
    internal Task<HttpResponseMessage> SendResumeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Options.Set(s_optionsKey, this);
        return _resume!.SendAttempt(request, cancellationToken);
    }

    private sealed class ResumeState(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> sendAttempt, int left)
    {
        private int _left = left;

        public bool TryTake() => Interlocked.Decrement(ref _left) >= 0;

        public Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> SendAttempt { get; } = sendAttempt;
    }
}
