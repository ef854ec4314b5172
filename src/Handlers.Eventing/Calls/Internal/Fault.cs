using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;

namespace Handlers.Eventing.Internal;

/// <summary>
/// The one idiom for "an exception to throw later": a method that may produce one returns it as <see cref="Exception"/>?
/// (<see langword="null"/>: nothing to throw), and the operation at the edge — the caller's send, read, dispose or
/// <see cref="HttpCall.Abort"/> — throws it here, with its original stack trace kept.
/// </summary>
internal static class Fault
{
    /// <summary>Throws <paramref name="exception"/> when there is one, keeping its original stack trace.</summary>
    [StackTraceHidden]
    public static void ThrowIfAny(Exception? exception)
    {
        if (exception is not null)
        {
            ExceptionDispatchInfo.Throw(exception);
        }
    }

    /// <summary>Throws <paramref name="exception"/>, keeping its original stack trace.</summary>
    [StackTraceHidden]
    [DoesNotReturn]
    public static void Rethrow(Exception exception) => ExceptionDispatchInfo.Throw(exception);
}
