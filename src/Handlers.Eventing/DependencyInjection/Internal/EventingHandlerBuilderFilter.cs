using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Places the two parts of eventing in every pipeline whose client turned eventing on: the <see cref="CallHandler"/>
/// outermost and the <see cref="AttemptHandler"/> innermost, after all the client's own configuration, whatever its order;
/// or, when the client has no handler of its own to put between them, one <see cref="EventingHandler"/> that does both.
/// </summary>
internal sealed class EventingHandlerBuilderFilter : IHttpMessageHandlerBuilderFilter
{
    private readonly IOptionsMonitor<EventingOptions> _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ConcurrentDictionary<string, byte> _doubleDecodingReported = new(StringComparer.Ordinal);

    public EventingHandlerBuilderFilter(IOptionsMonitor<EventingOptions> options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
    }

    /// <summary>
    /// Says once per client (at Debug level) when both the library and the primary handler are set to decode bodies: the
    /// primary handler decodes first, so the library never sees an encoded body and its wire counts are null.
    /// </summary>
    private void ReportDoubleDecoding(string name, EventingOptions options, HttpMessageHandler primaryHandler, LifecycleLogger logger)
    {
        var library = options.ResponseBody.AutomaticDecompression;
        if (library == DecompressionMethods.None)
        {
            return;
        }

        var primary = DecodingContent.PrimaryDecompression(primaryHandler);
        if (primary != DecompressionMethods.None && _doubleDecodingReported.TryAdd(name, 0))
        {
            logger.ReportDoubleDecoding(library, primary);
        }
    }

    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return builder =>
        {
            // The client's own configuration first, including handlers added after AddEventing().
            next(builder);

            var name = builder.Name ?? Microsoft.Extensions.Options.Options.DefaultName;
            var configured = _options.Get(name);
            if (!configured.Enabled)
            {
                return;
            }

            // A copy per pipeline build: options changed later reach the next build, never a running handler.
            var options = configured.Snapshot();
            if (options.LogLifecycle)
            {
                var logger = new LifecycleLogger(_loggerFactory.CreateLogger(LifecycleLogger.CategoryName(name)));
                options.ObserverFactories.Add(logger);
                ReportDoubleDecoding(name, options, builder.PrimaryHandler, logger);
            }

            // Fresh handlers per pipeline build, never shared between pipelines. With nothing between the call part and the
            // attempt part (handlers that filters add later go outside them both), one layer does both jobs.
            if (builder.AdditionalHandlers.Count == 0)
            {
                builder.AdditionalHandlers.Add(new EventingHandler(options, builder.Services));
                return;
            }

            builder.AdditionalHandlers.Insert(0, new CallHandler(options, builder.Services));
            builder.AdditionalHandlers.Add(new AttemptHandler());
        };
    }
}
