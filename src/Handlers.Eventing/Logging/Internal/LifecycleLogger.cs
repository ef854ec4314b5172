using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Logs the lifecycle of every call of one client (<see cref="EventingOptions.LogLifecycle"/>): made once per client, it gives
/// each call whose levels are on a <see cref="CallLifecycleLog"/>. That observer is one of the library's own, not a listener: a
/// call's <c>Listeners</c> and <c>RemoveAllListeners</c> neither show nor remove it.
/// </summary>
/// <remarks>
/// The levels are checked when the call starts: when Debug and Warning are both off, nothing is attached or allocated.
/// </remarks>
internal sealed class LifecycleLogger : ICallObserverFactory
{
    private const string CategoryPrefix = "Handlers.Eventing.HttpCall";

    private readonly ILogger _logger;

    public LifecycleLogger(ILogger logger) => _logger = logger;

    /// <summary>Gets the log category of a client: <c>Handlers.Eventing.HttpCall.{clientName}</c>, without suffix for the unnamed client.</summary>
    public static string CategoryName(string? clientName) =>
        string.IsNullOrEmpty(clientName) ? CategoryPrefix : CategoryPrefix + "." + clientName;

    public CallObserver? Create(HttpCall call)
    {
        var logger = _logger;
        if (logger.IsEnabled(LogLevel.Debug))
        {
            var log = new CallLifecycleLog(logger, call);
            Log.CallStarting(logger, call.Request.Method.Method, log.Uri());
            return log;
        }

        return logger.IsEnabled(LogLevel.Warning) ? new CallLifecycleLog(logger, call) : null;
    }

    /// <summary>Says, at Debug level, that the primary handler decodes bodies before the library can (once per client).</summary>
    public void ReportDoubleDecoding(System.Net.DecompressionMethods library, System.Net.DecompressionMethods primary)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.DecodedBelow(_logger, library, primary);
        }
    }
}
