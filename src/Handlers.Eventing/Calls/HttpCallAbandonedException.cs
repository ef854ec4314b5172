namespace Handlers.Eventing;

/// <summary>
/// The error of a call whose response was disposed before its body was read to the end: the caller abandoned it.
/// </summary>
public sealed class HttpCallAbandonedException : IOException
{
    /// <summary>Initializes a new instance with a default message.</summary>
    public HttpCallAbandonedException()
        : base("The response was disposed before its body was read to the end.")
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public HttpCallAbandonedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The inner exception.</param>
    public HttpCallAbandonedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
