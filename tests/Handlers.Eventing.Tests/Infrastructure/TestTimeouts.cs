namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>Every wait in the tests is bounded: a bug shows as a failure, not a hang.</summary>
public static class TestTimeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(15);

    public static async Task<T> WithTimeout<T>(this Task<T> task, TimeSpan? timeout = null) =>
        await task.WaitAsync(timeout ?? Default);

    public static async Task WithTimeout(this Task task, TimeSpan? timeout = null) =>
        await task.WaitAsync(timeout ?? Default);
}
