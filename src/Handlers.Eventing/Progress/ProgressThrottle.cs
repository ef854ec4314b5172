using System.Globalization;

namespace Handlers.Eventing;

/// <summary>
/// Limits how often progress is reported to a user interface: by a minimum interval and/or a minimum number of bytes
/// between two reports, always keeping the first and the final report.
/// </summary>
/// <remarks>
/// <para>
/// A progress event is reported when every limit that is set is met since the last report: at least
/// <see cref="MinimumInterval"/> elapsed <b>and</b> at least <see cref="MinimumBytes"/> more were transferred. The first event
/// of each attempt and the final one (<see cref="HttpProgress.Loaded"/> equal to <see cref="HttpProgress.Total"/>, or the last
/// one before the body ended or the call completed) are always reported, so a progress bar starts and ends where it should.
/// </para>
/// <para>
/// <see cref="Default"/> (at most one report every 100 ms) is what the progress adapters use when no throttle is given;
/// <see cref="None"/> reports every event. A throttle is immutable once built, so one instance can serve many calls; it is
/// validated when reporting is attached to a call (and by options validation when set on
/// <see cref="EventingOptions.ProgressThrottle"/>).
/// </para>
/// </remarks>
public sealed class ProgressThrottle
{
    /// <summary>Gets the throttle used when none is given: at most one report every 100 milliseconds, first and final kept.</summary>
    /// <value>A throttle with <see cref="MinimumInterval"/> 100 ms and no byte limit, on <see cref="TimeProvider.System"/>.</value>
    /// <remarks>
    /// Ten reports a second are enough for a progress bar and cheap for any UI thread; a 256 MiB download read in 8 KiB
    /// chunks otherwise makes more than 32,000 reports.
    /// </remarks>
    public static ProgressThrottle Default { get; } = new() { MinimumInterval = TimeSpan.FromMilliseconds(100) };

    /// <summary>Gets a throttle that reports every progress event.</summary>
    /// <value>A throttle with no time and no byte limit.</value>
    /// <remarks>
    /// Use it when the receiver is cheap and wants every event, for example to feed a hash or a log; keep it away from
    /// <see cref="Progress{T}"/>, which queues one callback per report.
    /// </remarks>
    public static ProgressThrottle None { get; } = new();

    /// <summary>Gets the minimum time between two reports.</summary>
    /// <value>The default is <see cref="TimeSpan.Zero"/>: no time limit. Must not be negative.</value>
    public TimeSpan MinimumInterval { get; init; }

    /// <summary>Gets the minimum number of bytes transferred between two reports.</summary>
    /// <value>The default is 0: no byte limit. Must not be negative.</value>
    public long MinimumBytes { get; init; }

    /// <summary>Gets the clock used for intervals, rates and estimates.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>. Tests can pass a controllable one.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Returns what is wrong with the values, or <see langword="null"/> when they are valid.</summary>
    /// <param name="name">How the throttle is named in the message, for example <c>EventingOptions.ProgressThrottle</c>.</param>
    internal string? Validate(string name)
    {
        if (MinimumInterval < TimeSpan.Zero)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{name}.MinimumInterval is {MinimumInterval}; it must be TimeSpan.Zero (no time limit) or positive.");
        }

        if (MinimumBytes < 0)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{name}.MinimumBytes is {MinimumBytes}; it must be 0 (no byte limit) or positive.");
        }

        if (TimeProvider is null)
        {
            return $"{name}.TimeProvider is null; set it to TimeProvider.System or leave it unset.";
        }

        return null;
    }
}
