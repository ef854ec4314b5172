using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Telemetry;

/// <summary>
/// An <see cref="ActivityListener"/> and a <see cref="MeterListener"/> on the library's source and meter (and optionally the
/// runtime's <c>System.Net.Http</c> ones) that keep only what the test that created it caused: what is started, stopped or
/// recorded on that test's async flow and the flows it started.
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    public const string RuntimeSourceName = "System.Net.Http";

    private static readonly AsyncLocal<TelemetryCapture?> s_owner = new();

    private readonly ActivityListener? _activityListener;
    private readonly MeterListener? _meterListener;

    public TelemetryCapture(
        bool activities = true,
        bool metrics = true,
        bool runtime = false,
        bool library = true,
        ActivitySamplingResult sampling = ActivitySamplingResult.AllDataAndRecorded)
    {
        s_owner.Value = this;
        if (activities)
        {
            _activityListener = new ActivityListener
            {
                ShouldListenTo = source => (library && source.Name == EventingTelemetry.ActivitySourceName) || (runtime && source.Name == RuntimeSourceName),
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => sampling,
                ActivityStarted = activity =>
                {
                    if (s_owner.Value == this)
                    {
                        Started.Enqueue(activity);
                    }
                },
                ActivityStopped = activity =>
                {
                    if (s_owner.Value == this || Started.Contains(activity))
                    {
                        Stopped.Enqueue((activity, Stopwatch.GetTimestamp()));
                        StoppedSignal.Release();
                    }
                },
            };
            ActivitySource.AddActivityListener(_activityListener);
        }

        if (metrics)
        {
            _meterListener = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if ((library && instrument.Meter.Name == EventingTelemetry.MeterName) || (runtime && instrument.Meter.Name == RuntimeSourceName))
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _meterListener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            _meterListener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
            _meterListener.Start();
        }
    }

    /// <summary>Gets the activities started on the test's flow, in start order.</summary>
    public ConcurrentQueue<Activity> Started { get; } = new();

    /// <summary>Gets the activities stopped, with the <see cref="Stopwatch"/> timestamp of the stop.</summary>
    public ConcurrentQueue<(Activity Activity, long Timestamp)> Stopped { get; } = new();

    /// <summary>Gets the measurements recorded on the test's flow.</summary>
    public ConcurrentQueue<CapturedMeasurement> Measurements { get; } = new();

    private SemaphoreSlim StoppedSignal { get; } = new(0);

    /// <summary>Gets the library's call activities started on the test's flow.</summary>
    public IReadOnlyList<Activity> CallActivities => [.. Started.Where(static a => a.Source.Name == EventingTelemetry.ActivitySourceName)];

    /// <summary>Gets the runtime's per-attempt client activities started on the test's flow.</summary>
    public IReadOnlyList<Activity> RuntimeActivities => [.. Started.Where(static a => a.Source.Name == RuntimeSourceName)];

    /// <summary>Returns the measurements of one instrument of the library's meter.</summary>
    public IReadOnlyList<CapturedMeasurement> Of(string instrument) => Of(EventingTelemetry.MeterName, instrument);

    /// <summary>Returns the measurements of one instrument of <paramref name="meter"/>.</summary>
    public IReadOnlyList<CapturedMeasurement> Of(string meter, string instrument) =>
        [.. Measurements.Where(m => m.Meter == meter && m.Instrument == instrument)];

    /// <summary>Waits until <paramref name="activity"/> stopped and returns the timestamp of its stop.</summary>
    public async Task<long> StoppedAsync(Activity activity)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(TestTimeouts.Default.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            foreach (var (stopped, timestamp) in Stopped)
            {
                if (stopped == activity)
                {
                    return timestamp;
                }
            }

            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero || !await StoppedSignal.WaitAsync(left))
            {
                throw new TimeoutException($"The activity {activity.DisplayName} did not stop within {TestTimeouts.Default}.");
            }
        }
    }

    public void Dispose()
    {
        _activityListener?.Dispose();
        _meterListener?.Dispose();
        if (s_owner.Value == this)
        {
            s_owner.Value = null;
        }
    }

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        if (s_owner.Value == this)
        {
            var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            Measurements.Enqueue(new CapturedMeasurement(instrument.Meter.Name, instrument.Name, instrument.Unit, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), copy, Stopwatch.GetTimestamp()));
        }
    }
}
