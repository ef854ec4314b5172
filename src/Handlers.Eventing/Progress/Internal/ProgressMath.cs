using System.Globalization;

namespace Handlers.Eventing.Internal;

/// <summary>The arithmetic <see cref="HttpProgress"/> and <see cref="TransferProgress"/> share.</summary>
internal static class ProgressMath
{
    /// <summary>Returns the fraction done, from 0 to 1: 1 for an empty body, <see langword="null"/> when the total is unknown.</summary>
    public static double? Fraction(long loaded, long? total) => total switch
    {
        null => null,
        <= 0 => 1d,
        var known => Math.Min(1d, (double)loaded / known.Value),
    };

    /// <summary>
    /// Returns the fraction done of the pair a progress bar reads: the reader's bytes when their total is known, else the
    /// wire bytes when theirs is (a body the library decodes), else <see langword="null"/>.
    /// </summary>
    public static double? Fraction(long loaded, long? total, long? wireLoaded, long? wireTotal) =>
        total is not null ? Fraction(loaded, total)
        : wireTotal is not null && wireLoaded is { } wire ? Fraction(wire, wireTotal)
        : null;

    /// <summary>
    /// Returns the pair <see cref="Fraction(long, long?, long?, long?)"/> reads, for the rate and the time left: the reader's
    /// bytes when their total is known or neither total is, else the wire bytes.
    /// </summary>
    public static (long Loaded, long? Total) Measured(long loaded, long? total, long? wireLoaded, long? wireTotal) =>
        total is null && wireTotal is not null && wireLoaded is { } wire ? (wire, wireTotal) : (loaded, total);

    public static string Describe(long loaded, long? total, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"{loaded}/{Known(total)} (attempt {attempt})");

    public static string Describe(long loaded, long? total, int attempt, long? wireLoaded, long? wireTotal) =>
        wireLoaded == loaded && wireTotal == total
            ? Describe(loaded, total, attempt)
            : string.Create(CultureInfo.InvariantCulture, $"{loaded}/{Known(total)} (attempt {attempt}), wire {Known(wireLoaded)}/{Known(wireTotal)}");

    private static string Known(long? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "?";
}
