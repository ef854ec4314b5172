using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Handlers.Eventing.Tests.Timings;

/// <summary>
/// The timings tests' own Kestrel on 127.0.0.1 (port 0): HTTP/1.1, h2c (prior knowledge) and HTTPS (HTTP/1.1 and HTTP/2 by
/// ALPN) with a self-signed certificate made here, started once per test run.
/// </summary>
public sealed class TimingsServer
{
    private static readonly Lazy<Task<TimingsServer>> s_shared = new(StartAsync);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _signals = new();

    private TimingsServer(WebApplication app, Uri http, Uri h2c, Uri https)
    {
        App = app;
        Http = http;
        H2c = h2c;
        Https = https;
    }

    /// <summary>Gets the server shared by the whole test run.</summary>
    public static Task<TimingsServer> Shared => s_shared.Value;

    /// <summary>Gets the HTTP/1.1 base address.</summary>
    public Uri Http { get; }

    /// <summary>Gets the h2c base address (send with HTTP/2 and <c>RequestVersionExact</c>).</summary>
    public Uri H2c { get; }

    /// <summary>Gets the HTTPS base address (self-signed certificate: accept it with <see cref="TrustingHandler"/>).</summary>
    public Uri Https { get; }

    private WebApplication App { get; }

    /// <summary>Returns a fresh key for <c>/hold/{key}</c>.</summary>
    public static string NewKey() => Guid.NewGuid().ToString("N");

    /// <summary>Lets every request held on <paramref name="key"/> answer.</summary>
    public void Release(string key) => SignalFor(key).TrySetResult();

    /// <summary>A transport that accepts the server's self-signed certificate (and only it: loopback tests).</summary>
    public static SocketsHttpHandler TrustingHandler() => new()
    {
        SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
    };

    private TaskCompletionSource SignalFor(string key) =>
        _signals.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private static async Task<TimingsServer> StartAsync()
    {
        var certificate = CreateCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            o.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            o.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();
        TimingsServer? server = null;

        // GET /hi : a small body at once.
        app.MapGet("/hi", static (HttpContext context) => context.Response.WriteAsync("hi"));

        // GET /hold/{key} : answers once Release(key) was called (bounded, so a failed test never hangs the server).
        app.MapGet("/hold/{key}", async (HttpContext context, string key) =>
        {
            await server!.SignalFor(key).Task.WaitAsync(TimeSpan.FromSeconds(20), context.RequestAborted);
            await context.Response.WriteAsync("released");
        });

        // POST /echo : reads the body, answers with its length.
        app.MapPost("/echo", static async (HttpContext context) =>
        {
            var buffer = new byte[16384];
            long total = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                total += read;
            }

            await context.Response.WriteAsync(total.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });

        await app.StartAsync();
        var addresses = app.Urls.Select(static a => new Uri(a.EndsWith('/') ? a : a + "/")).ToList();
        server = new TimingsServer(app, addresses[0], addresses[1], addresses[2]);
        return server;
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        // Kestrel on Linux needs a certificate whose private key is not ephemeral: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);
    }
}
