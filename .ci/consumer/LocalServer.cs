using System.Net;
using System.Net.Sockets;
using System.Text;

/// <summary>
/// The self-check's server: HTTP/1.1 on 127.0.0.1 (port 0) with plain sockets, so the consumer needs no ASP.NET Core.
/// Every request gets 200 with <c>Content-Length</c> bytes of zeros, then the connection is closed.
/// </summary>
internal sealed class LocalServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly long _bodyLength;
    private readonly Task _accepting;

    private LocalServer(long bodyLength)
    {
        _bodyLength = bodyLength;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    public Uri BaseAddress { get; }

    public static LocalServer Start(long bodyLength) => new(bodyLength);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            var socket = await _listener.AcceptSocketAsync();
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using (socket)
        await using (var stream = new NetworkStream(socket))
        {
            // Read the request head (this server ignores what it asks for).
            var head = new byte[8192];
            var read = 0;
            while (read < head.Length && !Encoding.ASCII.GetString(head, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(head.AsMemory(read));
                if (n == 0)
                {
                    return;
                }

                read += n;
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {_bodyLength}\r\nConnection: close\r\n\r\n"));
            var chunk = new byte[64 * 1024];
            for (var sent = 0L; sent < _bodyLength; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, _bodyLength - sent)));
            }
        }
    }
}
