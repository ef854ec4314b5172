namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>The exception test listeners throw, so that a test can tell it from anything the transport throws.</summary>
public sealed class ListenerException : Exception
{
    public ListenerException()
        : base("A test listener threw.")
    {
    }

    public ListenerException(string message)
        : base(message)
    {
    }

    public ListenerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
