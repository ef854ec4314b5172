using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;

namespace Handlers.Eventing.Internal;

/// <summary>
/// The response content the caller gets: the original content, unchanged in headers and bytes, read through a
/// <see cref="ResponseBodyObserver"/> on every path (stream reads, copies, and HttpClient's buffering).
/// </summary>
internal sealed class ObservedResponseContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly long? _innerLength;

    /// <param name="inner">The content to observe.</param>
    /// <param name="call">The call.</param>
    /// <param name="attempt">The attempt whose body events it raises, or <see langword="null"/> to observe only the end.</param>
    /// <param name="hasNoBody">Whether the response cannot have a body (HEAD, 1xx, 204, 304), whatever its Content-Length says.</param>
    public ObservedResponseContent(HttpContent inner, HttpCall call, CallAttempt? attempt, bool hasNoBody)
    {
        _inner = inner;
        long? storedLength = null;
        foreach (var header in inner.Headers.NonValidated)
        {
            var values = header.Value;
            if (values.Count != 1)
            {
                Headers.TryAddWithoutValidation(header.Key, values);
                continue;
            }

            // One value (nearly every content header): the string overload, without boxing the values as an IEnumerable.
            var value = values.ToString();
            Headers.TryAddWithoutValidation(header.Key, value);
            // Stryker disable once String,Block : without the stored copy the length is read from the inner content, which parses the same stored header (only a boxed parse more)
            if (string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                storedLength = length;
            }
        }

        // A length the inner content stores (the transport's) is read from the copy above. One it computes rather than stores
        // is asked for after the copy, and answered by TryComputeLength exactly as the inner content answers it, without
        // materializing a header here.
        // Stryker disable once NullCoalescing : a stored length is also what the inner content's ContentLength returns
        _innerLength = storedLength ?? inner.Headers.ContentLength;
        if (_innerLength is null && ContentLengthRemoved(inner.Headers))
        {
            // The inner content's length was removed on purpose (automatic decompression): a buffered copy must not get one.
            Headers.ContentLength = null;
        }

        Observer = new ResponseBodyObserver(call, new AttemptBodySource(inner, attempt), hasNoBody ? 0 : _innerLength);
    }

    public ResponseBodyObserver Observer { get; }

    /// <summary>Gets a value indicating whether a response has no body, whatever its Content-Length says (RFC 9110 6.4.1).</summary>
    public static bool HasNoBody(HttpRequestMessage request, HttpResponseMessage response) =>
        request.Method == HttpMethod.Head
        || response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotModified
        || (int)response.StatusCode < 200;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        Observer.CopyToAsync(stream, cancellationToken);

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        Observer.CopyTo(stream, cancellationToken);

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken)
    {
        Observer.ThrowIfFaulted();
        Stream stream;
        try
        {
            stream = await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // An abort disposed the inner content meanwhile: throw what the abort ended the call with.
            Observer.ThrowIfFaulted();
            throw;
        }

        Observer.Source.SetStream(stream);
        return new ObservedResponseStream(Observer);
    }

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken)
    {
        Observer.ThrowIfFaulted();
        Stream stream;
        try
        {
            stream = _inner.ReadAsStream(cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            Observer.ThrowIfFaulted();
            throw;
        }

        Observer.Source.SetStream(stream);
        return new ObservedResponseStream(Observer);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _innerLength ?? 0;
        return _innerLength is not null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Exception? toThrow;
            try
            {
                toThrow = Observer.OnDisposed();
            }
            finally
            {
                _inner.Dispose();
                base.Dispose(disposing);
            }

            Fault.ThrowIfAny(toThrow);

            // Stryker disable once Statement : a second base.Dispose(true) is a no-op
            return;
        }

        // Stryker disable once Statement : unreachable: HttpContent has no finalizer, so Dispose(false) is never called
        base.Dispose(disposing);
    }

    /// <summary>
    /// Tells whether <paramref name="headers"/> had its Content-Length set to null on purpose, which the public surface does not
    /// show: without it, a buffered copy would report the buffer's length where the inner content reports none.
    /// </summary>
    private static bool ContentLengthRemoved(HttpContentHeaders headers)
    {
        try
        {
            return ContentLengthSet(headers);
        }
        catch (MissingFieldException)
        {
            // Another runtime: behave as if the length was not set on purpose.
            // Stryker disable once Boolean : unreachable on this runtime, whose HttpContentHeaders has the field
            return false;
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_contentLengthSet")]
    private static extern ref bool ContentLengthSet(HttpContentHeaders headers);
}
