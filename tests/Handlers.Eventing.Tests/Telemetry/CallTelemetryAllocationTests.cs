using System.Diagnostics;
using Handlers.Eventing.Internal;

namespace Handlers.Eventing.Tests.Telemetry;

/// <summary>Pay for play: with no activity or meter listener, a call's telemetry costs no allocation and no activity.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class CallTelemetryAllocationTests
{
    [Fact]
    public void Create_NoListener_AllocatesNothing()
    {
        var call = HttpCall.For(new HttpRequestMessage(HttpMethod.Get, "http://api.example.test/items?id=1"));
        Assert.Null(CallTelemetry.Factory.Create(call)); // warm-up: the source, meter and instruments are created once

        var before = GC.GetAllocatedBytesForCurrentThread();
        CallObserver? observer = null;
        for (var i = 0; i < 1000; i++)
        {
            observer ??= CallTelemetry.Factory.Create(call);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(observer);
        Assert.Null(Activity.Current);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Create_ListenerOfAnotherSourceAndMeter_AllocatesNothing()
    {
        using var otherSource = new ActivitySource("Another.Library");
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == otherSource.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var meterListener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Another.Library")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meterListener.Start();
        var call = HttpCall.For(new HttpRequestMessage(HttpMethod.Get, "http://api.example.test/items"));
        Assert.Null(CallTelemetry.Factory.Create(call));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var observer = CallTelemetry.Factory.Create(call);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(observer);
        Assert.Equal(0, allocated);
        Assert.True(otherSource.HasListeners());
    }
}
