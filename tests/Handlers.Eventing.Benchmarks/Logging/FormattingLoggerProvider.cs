using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Benchmarks.Logging;

/// <summary>
/// A logger provider that does what every real sink does first — formats each enabled message to its text — and then
/// drops it, counting the messages and characters. Both logging variants are measured with it.
/// </summary>
internal sealed class FormattingLoggerProvider(LogLevel minimumLevel) : ILoggerProvider
{
    private readonly LogLevel _minimumLevel = minimumLevel;
    private long _messages;
    private long _characters;

    public long Messages => Interlocked.Read(ref _messages);

    public long Characters => Interlocked.Read(ref _characters);

    public ILogger CreateLogger(string categoryName) => new FormattingLogger(this);

    public void Dispose()
    {
    }

    private sealed class FormattingLogger(FormattingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var text = formatter(state, exception);
            Interlocked.Increment(ref provider._messages);
            Interlocked.Add(ref provider._characters, text.Length);
        }
    }
}
