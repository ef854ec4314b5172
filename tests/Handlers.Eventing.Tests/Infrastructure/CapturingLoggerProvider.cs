using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>An <see cref="ILoggerProvider"/> that keeps every record, with its structured fields, for assertions.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogRecord> _records = new();

    /// <summary>Gets or sets the lowest level the loggers report as enabled.</summary>
    public LogLevel MinimumLevel { get; set; } = LogLevel.Trace;

    public IReadOnlyList<LogRecord> Records => [.. _records];

    public IReadOnlyList<LogRecord> ForCategory(string category) => [.. _records.Where(r => r.Category == category)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public sealed record LogRecord(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> State, Exception? Exception)
    {
        public object? this[string key] => State.TryGetValue(key, out var value) ? value : null;
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var fields = new Dictionary<string, object?>();
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var pair in pairs)
                {
                    fields[pair.Key] = pair.Value;
                }
            }

            provider._records.Enqueue(new LogRecord(category, logLevel, eventId, formatter(state, exception), fields, exception));
        }
    }
}
