namespace Handlers.Eventing.Internal;

/// <summary>
/// An <see cref="IProgress{T}"/> that invokes its callback inline, on the reporting thread, so reports arrive one at a time and
/// in order (unlike <see cref="Progress{T}"/>, which posts each report to a context or the thread pool).
/// </summary>
internal sealed class ProgressCallback(Action<TransferProgress> callback) : IProgress<TransferProgress>
{
    private readonly Action<TransferProgress> _callback = callback;

    public void Report(TransferProgress value) => _callback(value);
}
