using Handlers.Eventing.Internal;

namespace Handlers.Eventing.Tests.Timings;

/// <summary>
/// Does for the tests what the library's attempt handler does with an <see cref="AttemptTimer"/>: starts it just before
/// sending, records the headers and takes a snapshot there, and on a failure ends it and takes the error snapshot. The test
/// ends a successful attempt itself (<see cref="AttemptTimer.OnEnd"/>) once it read the body.
/// </summary>
internal sealed class TimingTestHandler : DelegatingHandler
{
    private static readonly HttpRequestOptionsKey<Timed> Key = new("Handlers.Eventing.Tests.Timings");

    public TimingTestHandler(HttpMessageHandler inner)
        : base(inner)
    {
    }

    /// <summary>Returns what the handler recorded for <paramref name="request"/>.</summary>
    public static Timed Of(HttpRequestMessage request) =>
        request.Options.TryGetValue(Key, out var timed) ? timed : throw new InvalidOperationException("The request was not sent through a TimingTestHandler.");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var timed = new Timed(AttemptTimer.Start());
        request.Options.Set(Key, timed);
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            timed.Timer.OnHeaders();
            timed.AtHeaders = timed.Timer.Snapshot();
            return response;
        }
        catch
        {
            timed.Timer.OnEnd();
            timed.AtError = timed.Timer.Snapshot();
            throw;
        }
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var timed = new Timed(AttemptTimer.Start());
        request.Options.Set(Key, timed);
        try
        {
            var response = base.Send(request, cancellationToken);
            timed.Timer.OnHeaders();
            timed.AtHeaders = timed.Timer.Snapshot();
            return response;
        }
        catch
        {
            timed.Timer.OnEnd();
            timed.AtError = timed.Timer.Snapshot();
            throw;
        }
        finally
        {
            timed.Timer.RestoreFlow();
        }
    }

    /// <summary>One attempt's timer and the snapshots taken at its headers or its failure.</summary>
    public sealed class Timed
    {
        public Timed(AttemptTimer timer) => Timer = timer;

        public AttemptTimer Timer { get; }

        public HttpTimings? AtHeaders { get; set; }

        public HttpTimings? AtError { get; set; }

        /// <summary>Ends the attempt (the test read the body) and returns the final snapshot.</summary>
        public HttpTimings End()
        {
            Timer.OnEnd();
            return Timer.Snapshot();
        }
    }
}
