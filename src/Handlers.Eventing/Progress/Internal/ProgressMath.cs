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

    public static string Describe(long loaded, long? total, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"{loaded}/{(total is { } t ? t.ToString(CultureInfo.InvariantCulture) : "?")} (attempt {attempt})");
}
