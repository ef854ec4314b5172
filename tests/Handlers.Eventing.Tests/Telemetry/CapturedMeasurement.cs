using System.Diagnostics;

namespace Handlers.Eventing.Tests.Telemetry;

/// <summary>One measurement: meter, instrument, unit, value, tags and the <see cref="Stopwatch"/> timestamp it was recorded at.</summary>
internal sealed record CapturedMeasurement(string Meter, string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags, long Timestamp);
