using Handlers.Eventing.Internal;

namespace Handlers.Eventing.Tests.Telemetry;

public sealed class EventingTelemetryTests
{
    [Fact]
    public void Names_AreTheLibrarysName_AndNameTheSourceAndMeterInUse()
    {
        Assert.Equal("Handlers.Eventing", EventingTelemetry.ActivitySourceName);
        Assert.Equal("Handlers.Eventing", EventingTelemetry.MeterName);
        Assert.Equal(EventingTelemetry.ActivitySourceName, EventingDiagnostics.ActivitySource.Name);
        Assert.Equal(EventingTelemetry.MeterName, EventingDiagnostics.Meter.Name);
        Assert.Equal(
            ["http.client.request.body.size", "http.client.response.body.size", "handlers.eventing.call.duration"],
            new System.Diagnostics.Metrics.Instrument[] { EventingDiagnostics.RequestBodySize, EventingDiagnostics.ResponseBodySize, EventingDiagnostics.CallDuration }.Select(i => i.Name));
    }
}
