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
/// The values are read when reporting is attached to a call; changing them later does not affect calls already observed.
/// They are validated then (and by options validation when set on <see cref="EventingOptions.ProgressThrottle"/>).
/// </para>
/// </remarks>
public sealed class ProgressThrottle
{
    /// <summary>Gets or sets the minimum time between two reports.</summary>
    /// <value>The default is <see cref="TimeSpan.Zero"/>: no time limit. Must not be negative.</value>
    public TimeSpan MinimumInterval { get; set; }

    /// <summary>Gets or sets the minimum number of bytes transferred between two reports.</summary>
    /// <value>The default is 0: no byte limit. Must not be negative.</value>
    public long MinimumBytes { get; set; }

    /// <summary>Gets or sets the clock used for intervals, rates and estimates.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>. Tests can pass a controllable one.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

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
