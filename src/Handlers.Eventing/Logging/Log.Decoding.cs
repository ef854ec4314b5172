using System.Net;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Internal;

// The message of ResponseBodyOptions.AutomaticDecompression (9), apart from the lifecycle messages.
internal static partial class Log
{
    [LoggerMessage(EventId = 11, EventName = "DecodedBelow", Level = LogLevel.Debug,
        Message = "Both ResponseBody.AutomaticDecompression ({Library}) and the primary handler's AutomaticDecompression ({Primary}) " +
            "are set: the primary handler decodes first, so progress has no wire counts (WireLoaded, WireTotal null) for the bodies " +
            "it decodes. Turn its AutomaticDecompression off to let the library decode them")]
    public static partial void DecodedBelow(ILogger logger, DecompressionMethods library, DecompressionMethods primary);
}
