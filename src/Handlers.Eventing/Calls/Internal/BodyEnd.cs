namespace Handlers.Eventing.Internal;

/// <summary>How a response body closed, as its <see cref="ResponseBodyObserver"/> reports it to the call.</summary>
internal enum BodyEnd
{
    /// <summary>Its last byte was delivered: a 0-byte read, the Content-Length-th byte, or a response without a body.</summary>
    Complete,

    /// <summary>It was disposed before its end: the caller abandoned it.</summary>
    Abandoned,

    /// <summary>A read or copy failed (transport failure or cancellation), or <see cref="HttpCall.Abort"/> closed it.</summary>
    Failed,

    /// <summary>A listener of one of its events threw.</summary>
    ListenerFault,
}
