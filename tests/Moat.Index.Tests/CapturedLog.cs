using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Moat.Index.Tests;

/// <summary>
/// Every line the server logs at <paramref name="minimum"/> or above, with its exception (stack trace included): for
/// tests that check what reaches the log, and for failures that must say what went wrong on the server.
/// </summary>
internal sealed class CapturedLog(LogLevel minimum = LogLevel.Trace) : ILoggerProvider
{
    private readonly LogLevel _minimum = minimum;
    private readonly ConcurrentQueue<string> _lines = new();
    public IReadOnlyCollection<string> Lines => _lines;
    public ILogger CreateLogger(string categoryName) => new Logger(this);
    public void Dispose() { }

    private sealed class Logger(CapturedLog owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) owner._lines.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception));
        }
    }
}
