using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Places the two parts of <see cref="EventingHandler"/> in every pipeline whose client turned eventing on: the call-level part
/// outermost and the attempt-level part innermost, after all the client's own configuration, whatever its order.
/// </summary>
internal sealed class EventingHandlerBuilderFilter : IHttpMessageHandlerBuilderFilter
{
    private readonly IOptionsMonitor<EventingOptions> _options;
    private readonly ILoggerFactory _loggerFactory;

    public EventingHandlerBuilderFilter(IOptionsMonitor<EventingOptions> options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
    }

    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return builder =>
        {
            // The client's own configuration first, including handlers added after AddEventing().
            next(builder);

            var name = builder.Name ?? Options.DefaultName;
            var options = _options.Get(name);
            if (!options.Enabled)
            {
                return;
            }

            if (options.LogLifecycle)
            {
                options = LifecycleLogger.Apply(options, name, _loggerFactory);
            }

            // A fresh pair per pipeline build: handlers are never shared between pipelines.
            builder.AdditionalHandlers.Insert(0, new EventingHandler(options, builder.Services, EventingStage.Call));
            builder.AdditionalHandlers.Add(new EventingHandler(options, builder.Services, EventingStage.Attempt));
        };
    }
}
