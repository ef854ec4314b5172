using System.Collections.Concurrent;

namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>An <see cref="IProgress{T}"/> that records reports synchronously, in order (unlike <see cref="Progress{T}"/>, which posts).</summary>
public sealed class ListProgress<T> : IProgress<T>
{
    private readonly ConcurrentQueue<T> _reports = new();

    public IReadOnlyList<T> Reports => [.. _reports];

    public void Report(T value) => _reports.Enqueue(value);
}
