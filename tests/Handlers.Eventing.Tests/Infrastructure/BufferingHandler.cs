namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>Reads the response body inside the send, so that an outer retry sees a failure mid-body as the attempt's failure.</summary>
public sealed class BufferingHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
        }
        catch
        {
            response.Dispose();
            throw;
        }

        return response;
    }
}
