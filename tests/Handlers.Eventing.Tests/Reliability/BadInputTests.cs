using System.Net;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RichardSzalay.MockHttp;

namespace Handlers.Eventing.Tests.Reliability;

/// <summary>
/// Every public member with invalid arguments: the documented exception type, and a message that says what to fix (it names
/// the parameter, or the way out). Reflection makes sure every public method and constructor with a reference-type parameter
/// has a null-argument case, or a stated reason why null is accepted.
/// </summary>
public sealed class BadInputTests
{
    /// <summary>Members that accept null by design, with the reason.</summary>
    private static readonly Dictionary<string, string> s_acceptsNull = new()
    {
        ["EventEmitter.add_MaxListenersExceeded(Action`1)"] = "event accessors: += null / -= null are no-ops, as for every .NET event",
        ["EventEmitter.remove_MaxListenersExceeded(Action`1)"] = "event accessors: += null / -= null are no-ops, as for every .NET event",
        ["HttpCallAbandonedException..ctor(String)"] = "exception constructors accept a null message / inner exception, like every BCL exception",
        ["HttpCallAbandonedException..ctor(String, Exception)"] = "exception constructors accept a null message / inner exception, like every BCL exception",
        ["HttpBodyIdleTimeoutException..ctor(TimeSpan, Int64, Exception)"] = "exception constructors accept a null inner exception, like every BCL exception",
        ["EventingOptions.set_ListenerExceptionHandler(Action`3)"] = "null is the documented default: no handler",
        ["EventingOptions.set_RedactUri(Func`2)"] = "null is the documented default: the library's own redaction",
        ["EventingOptions.set_ProgressThrottle(ProgressThrottle)"] = "null is the documented default: ProgressThrottle.Default",
        ["ListenerChange..ctor(EventKey, Delegate)"] = "event payload record built by the library; like any record it stores what it is given",
        ["HttpDataEvent..ctor(ReadOnlyMemory`1, HttpCall, Int32)"] = "event payload record built by the library; like any record it stores what it is given",
        ["HttpRetryEvent..ctor(HttpCall, Int32, HttpAttemptKind, Nullable`1, Exception, Nullable`1)"] = "PreviousError is null after a status and for a hedge (the call is checked)",
        ["HttpTimings..ctor(Nullable`1, Nullable`1, Nullable`1, Nullable`1, Nullable`1, Nullable`1, Nullable`1, Nullable`1, Nullable`1, Nullable`1, Version)"] = "null is a documented value of every property: the phase or the connection fact is unknown",
    };

    [Fact]
    public void EveryPublicMemberWithAReferenceParameter_HasANullCaseOrAStatedReason()
    {
        var members = PublicMembersWithReferenceParameters();
        var cases = Cases().ToList();
        Assert.Equal(cases.Count, cases.Select(c => c.Name).Distinct().Count());
        var covered = cases.Where(c => c.Member is not null).Select(c => c.Member!).ToHashSet(StringComparer.Ordinal);

        var unknown = covered.Concat(s_acceptsNull.Keys).Where(m => !members.Contains(m)).ToList();
        Assert.True(unknown.Count == 0, $"cases name members that do not exist (renamed?):{Environment.NewLine}{string.Join(Environment.NewLine, unknown)}");

        var uncovered = members.Where(m => !covered.Contains(m) && !s_acceptsNull.ContainsKey(m)).Order(StringComparer.Ordinal).ToList();
        Assert.True(uncovered.Count == 0, $"public members with reference-type parameters and no null case:{Environment.NewLine}{string.Join(Environment.NewLine, uncovered)}");
    }

    public static TheoryData<string> CaseNames() => [.. Cases().Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void BadInput_ThrowsTheDocumentedExceptionWithAMessageThatSaysHowToFixIt(string name)
    {
        var @case = Cases().Single(c => c.Name == name);

        var ex = Record.Exception(@case.Act);

        Assert.NotNull(ex);
        Assert.IsType(@case.Expected, ex);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        if (ex is ArgumentException argument)
        {
            // The parameter is named, and the message names it too.
            Assert.Equal(@case.Mentions, argument.ParamName);
        }

        Assert.Contains(@case.Mentions, ex.Message, StringComparison.Ordinal);
        if (@case.Fix is not null)
        {
            Assert.Contains(@case.Fix, ex.Message, StringComparison.Ordinal);
        }
    }

    private static HashSet<string> PublicMembersWithReferenceParameters()
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in typeof(EventEmitter).Assembly.GetExportedTypes())
        {
            const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            IEnumerable<MethodBase> methods = type.GetMethods(Flags).Where(m => m.GetBaseDefinition().DeclaringType == type);
            foreach (var method in methods.Concat(type.GetConstructors(Flags)))
            {
                // Record plumbing (Equals, Deconstruct, Clone...) is generated; property and event accessors are checked even
                // when generated (an auto-property setter is a public member too), except init accessors: a record's
                // positional properties are set by its constructor or a `with` copy, covered by the constructor's entry.
                if (method.IsDefined(typeof(CompilerGeneratedAttribute)) && !IsAccessor(method))
                {
                    continue;
                }

                if (method is MethodInfo { ReturnParameter: var returned } && returned.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)))
                {
                    continue;
                }

                var parameters = method.GetParameters();
                if (parameters.Any(p => !p.ParameterType.IsValueType && !p.ParameterType.IsGenericParameter && !p.ParameterType.IsByRef))
                {
                    result.Add(Signature(method));
                }
            }
        }

        return result;
    }

    private static bool IsAccessor(MethodBase method) =>
        method.IsSpecialName && (method.Name.StartsWith("set_", StringComparison.Ordinal) || method.Name.StartsWith("add_", StringComparison.Ordinal)
            || method.Name.StartsWith("remove_", StringComparison.Ordinal));

    private static string Signature(MethodBase method) =>
        $"{method.DeclaringType!.Name}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})";

    private static IEnumerable<Case> Cases()
    {
        var key = new EventKey<int>("k");
        Action<int> listener = _ => { };
        Action<HttpCallResponse> onComplete = _ => { };
        var emitter = new EventEmitter();
        var call = HttpCall.For(new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/"));
        var progress = new Progress<TransferProgress>();
        var client = new HttpClient(new EventingHandler(Ok()));
        var method = HttpMethod.Get;

        // EventKey
        yield return new("EventKey`1..ctor(String)", "new EventKey(null)", () => _ = new EventKey<int>(null!), typeof(ArgumentNullException), "name");
        yield return new("EventKey`1..ctor(String)", "new EventKey(\"\")", () => _ = new EventKey<int>(""), typeof(ArgumentException), "name");
        yield return new("EventKey`1..ctor(String)", "new EventKey(\" \")", () => _ = new EventKey<int>(" "), typeof(ArgumentException), "name");

        // EventEmitter
        yield return new("EventEmitter.On(EventKey`1, Action`1)", "On(null, l)", () => emitter.On(null!, listener), typeof(ArgumentNullException), "eventKey");
        yield return new("EventEmitter.On(EventKey`1, Action`1)", "On(k, null)", () => emitter.On(key, null!), typeof(ArgumentNullException), "listener");
        yield return new("EventEmitter.Once(EventKey`1, Action`1)", "Once(null, l)", () => emitter.Once(null!, listener), typeof(ArgumentNullException), "eventKey");
        yield return new("EventEmitter.Once(EventKey`1, Action`1)", "Once(k, null)", () => emitter.Once(key, null!), typeof(ArgumentNullException), "listener");
        yield return new("EventEmitter.PrependListener(EventKey`1, Action`1)", "PrependListener(null, l)", () => emitter.PrependListener(null!, listener), typeof(ArgumentNullException), "eventKey");
        yield return new("EventEmitter.PrependListener(EventKey`1, Action`1)", "PrependListener(k, null)", () => emitter.PrependListener(key, null!), typeof(ArgumentNullException), "listener");
        yield return new("EventEmitter.PrependOnceListener(EventKey`1, Action`1)", "PrependOnceListener(null, l)", () => emitter.PrependOnceListener(null!, listener), typeof(ArgumentNullException), "eventKey");
        yield return new("EventEmitter.PrependOnceListener(EventKey`1, Action`1)", "PrependOnceListener(k, null)", () => emitter.PrependOnceListener(key, null!), typeof(ArgumentNullException), "listener");
        yield return new("EventEmitter.Off(EventKey`1, Action`1)", "Off(null, l)", () => emitter.Off(null!, listener), typeof(ArgumentNullException), "eventKey");
        yield return new("EventEmitter.Off(EventKey`1, Action`1)", "Off(k, null)", () => emitter.Off(key, null!), typeof(ArgumentNullException), "listener");
        yield return new("EventEmitter.RemoveAllListeners(EventKey)", "RemoveAllListeners(null)", () => emitter.RemoveAllListeners(null!), typeof(ArgumentNullException), "eventKey");
        yield return new("EventEmitter.Emit(EventKey`1, TArgs)", "Emit(null, 1)", () => emitter.Emit(null!, 1), typeof(ArgumentNullException), "eventKey");
        yield return new("EventEmitter.Listeners(EventKey`1)", "Listeners(null)", () => emitter.Listeners<int>(null!), typeof(ArgumentNullException), "eventKey");
        yield return new("EventEmitter.ListenerCount(EventKey)", "ListenerCount(null)", () => emitter.ListenerCount(null!), typeof(ArgumentNullException), "eventKey");
        yield return new("EventEmitter.ListenerCount(EventKey`1, Action`1)", "ListenerCount(null, l)", () => emitter.ListenerCount(null!, listener), typeof(ArgumentNullException), "eventKey");
        yield return new("EventEmitter.ListenerCount(EventKey`1, Action`1)", "ListenerCount(k, null)", () => emitter.ListenerCount(key, null!), typeof(ArgumentNullException), "listener");
        yield return new(null, "Emit(ErrorEvent, null) with no listener", () => new EventEmitter().Emit(EventEmitter.ErrorEvent, null!), typeof(InvalidOperationException), "ErrorEvent listener");
        yield return new(null, "DefaultMaxListeners = -1", () => EventEmitter.DefaultMaxListeners = -1, typeof(ArgumentOutOfRangeException), "value", "non-negative");
        yield return new(null, "MaxListeners = -1", () => emitter.MaxListeners = -1, typeof(ArgumentOutOfRangeException), "value", "non-negative");

        // HttpCall
        yield return new("HttpCall.For(HttpRequestMessage)", "HttpCall.For(null)", () => HttpCall.For(null!), typeof(ArgumentNullException), "request");
        yield return new("HttpCall.TryGet(HttpRequestMessage, HttpCall&)", "HttpCall.TryGet(null, out c)", () => HttpCall.TryGet(null!, out _), typeof(ArgumentNullException), "request");
        yield return new("HttpCall.Observe(Action`1)", "HttpCall.Observe(null)", () => HttpCall.Observe(null!), typeof(ArgumentNullException), "configure");
        yield return new("HttpHeadersEvent..ctor(HttpStatusCode, HttpResponseMessage, HttpCall, Int32, HttpTimings)", "new HttpHeadersEvent(s, null, c, 1)", () => new HttpHeadersEvent(System.Net.HttpStatusCode.OK, null!, call, 1), typeof(ArgumentNullException), "response");
        yield return new("HttpHeadersEvent..ctor(HttpStatusCode, HttpResponseMessage, HttpCall, Int32, HttpTimings)", "new HttpHeadersEvent(s, r, null, 1)", () => new HttpHeadersEvent(System.Net.HttpStatusCode.OK, new HttpResponseMessage(), null!, 1), typeof(ArgumentNullException), "call");
        yield return new("HttpErrorEvent..ctor(Exception, HttpCall, Int32, HttpTimings)", "new HttpErrorEvent(null, c, 1)", () => new HttpErrorEvent(null!, call, 1), typeof(ArgumentNullException), "exception");
        yield return new("HttpErrorEvent..ctor(Exception, HttpCall, Int32, HttpTimings)", "new HttpErrorEvent(e, null, 1)", () => new HttpErrorEvent(new IOException(), null!, 1), typeof(ArgumentNullException), "call");
        yield return new("HttpRetryEvent..ctor(HttpCall, Int32, HttpAttemptKind, Nullable`1, Exception, Nullable`1)", "new HttpRetryEvent(null, ...)", () => new HttpRetryEvent(null!, 2, HttpAttemptKind.Retry, null, null, null), typeof(ArgumentNullException), "call");
        yield return new("HttpCall.On(EventKey`1, Action`1)", "call.On(null, l)", () => call.On(null!, listener), typeof(ArgumentNullException), "eventKey");
        yield return new("HttpCall.On(EventKey`1, Action`1)", "call.On(Complete, null)", () => call.On(HttpEvents.Complete, null!), typeof(ArgumentNullException), "listener");
        yield return new("HttpCall.Once(EventKey`1, Action`1)", "call.Once(null, l)", () => call.Once(null!, listener), typeof(ArgumentNullException), "eventKey");
        yield return new("HttpCall.Once(EventKey`1, Action`1)", "call.Once(Complete, null)", () => call.Once(HttpEvents.Complete, null!), typeof(ArgumentNullException), "listener");
        yield return new("HttpCall.PrependListener(EventKey`1, Action`1)", "call.PrependListener(null, l)", () => call.PrependListener(null!, onComplete), typeof(ArgumentNullException), "eventKey");
        yield return new("HttpCall.PrependListener(EventKey`1, Action`1)", "call.PrependListener(Complete, null)", () => call.PrependListener(HttpEvents.Complete, null!), typeof(ArgumentNullException), "listener");
        yield return new("HttpCall.PrependOnceListener(EventKey`1, Action`1)", "call.PrependOnceListener(null, l)", () => call.PrependOnceListener(null!, onComplete), typeof(ArgumentNullException), "eventKey");
        yield return new("HttpCall.PrependOnceListener(EventKey`1, Action`1)", "call.PrependOnceListener(Complete, null)", () => call.PrependOnceListener(HttpEvents.Complete, null!), typeof(ArgumentNullException), "listener");
        yield return new("HttpCall.Off(EventKey`1, Action`1)", "call.Off(null, l)", () => call.Off(null!, onComplete), typeof(ArgumentNullException), "eventKey");
        yield return new("HttpCall.Off(EventKey`1, Action`1)", "call.Off(Complete, null)", () => call.Off(HttpEvents.Complete, null!), typeof(ArgumentNullException), "listener");
        yield return new("HttpCall.RemoveAllListeners(EventKey)", "call.RemoveAllListeners(null)", () => call.RemoveAllListeners(null!), typeof(ArgumentNullException), "eventKey");
        yield return new(null, "SendAsync on a call made by HttpCall.For", () => call.SendAsync().GetAwaiter().GetResult(), typeof(InvalidOperationException), "client.CreateCall(");
        yield return new(null, "SendAsync twice", () =>
        {
            var twice = client.CreateCall(method, "http://127.0.0.1/");
            twice.SendAsync().GetAwaiter().GetResult();
            twice.SendAsync().GetAwaiter().GetResult();
        }, typeof(InvalidOperationException), "Make a new call with client.CreateCall(");
        yield return new(null, "SendAsync through a client without EventingHandler", () =>
        {
            using var plain = new HttpClient(Ok());
            plain.CreateCall(method, "http://127.0.0.1/").SendAsync().GetAwaiter().GetResult();
        }, typeof(InvalidOperationException), "new EventingHandler(");

        // HttpClientEventingExtensions
        yield return new("HttpClientEventingExtensions.CreateCall(HttpClient, HttpMethod, String)", "CreateCall(null, m, u)", () => HttpClientEventingExtensions.CreateCall(null!, method, "/"), typeof(ArgumentNullException), "client");
        yield return new("HttpClientEventingExtensions.CreateCall(HttpClient, HttpMethod, String)", "CreateCall(c, null, u)", () => client.CreateCall(null!, "/"), typeof(ArgumentNullException), "method");
        yield return new("HttpClientEventingExtensions.CreateCall(HttpClient, HttpMethod, String)", "CreateCall(c, m, null)", () => client.CreateCall(method, (string)null!), typeof(ArgumentNullException), "requestUri");
        yield return new("HttpClientEventingExtensions.CreateCall(HttpClient, HttpMethod, Uri)", "CreateCall(null, m, uri)", () => HttpClientEventingExtensions.CreateCall(null!, method, new Uri("/", UriKind.Relative)), typeof(ArgumentNullException), "client");
        yield return new("HttpClientEventingExtensions.CreateCall(HttpClient, HttpMethod, Uri)", "CreateCall(c, null, uri)", () => client.CreateCall(null!, new Uri("/", UriKind.Relative)), typeof(ArgumentNullException), "method");
        yield return new("HttpClientEventingExtensions.CreateCall(HttpClient, HttpMethod, Uri)", "CreateCall(c, m, (Uri)null)", () => client.CreateCall(method, (Uri)null!), typeof(ArgumentNullException), "requestUri");
        yield return new("HttpClientEventingExtensions.CreateCall(HttpClient, HttpRequestMessage)", "CreateCall(null, r)", () => HttpClientEventingExtensions.CreateCall(null!, new HttpRequestMessage()), typeof(ArgumentNullException), "client");
        yield return new("HttpClientEventingExtensions.CreateCall(HttpClient, HttpRequestMessage)", "CreateCall(c, null)", () => client.CreateCall((HttpRequestMessage)null!), typeof(ArgumentNullException), "request");
        yield return new(null, "CreateCall with a request that already has a call", () => client.CreateCall(call.Request), typeof(ArgumentException), "request");

        // EventingHandler and EventingOptions
        yield return new("EventingHandler..ctor(HttpMessageHandler)", "new EventingHandler(null)", () => _ = new EventingHandler((HttpMessageHandler)null!), typeof(ArgumentNullException), "innerHandler");
        yield return new("EventingHandler..ctor(EventingOptions)", "new EventingHandler((EventingOptions)null)", () => _ = new EventingHandler((EventingOptions)null!), typeof(ArgumentNullException), "options");
        yield return new("EventingHandler..ctor(HttpMessageHandler, EventingOptions)", "new EventingHandler(null, o)", () => _ = new EventingHandler(null!, new EventingOptions()), typeof(ArgumentNullException), "innerHandler");
        yield return new("EventingHandler..ctor(HttpMessageHandler, EventingOptions)", "new EventingHandler(h, null)", () => _ = new EventingHandler(Ok(), null!), typeof(ArgumentNullException), "options");
        yield return new("EventingOptions.set_SuccessPredicate(Func`2)", "SuccessPredicate = null", () => new EventingOptions().SuccessPredicate = null!, typeof(ArgumentNullException), "value");
        yield return new("EventingOptions.set_ResponseBody(ResponseBodyOptions)", "ResponseBody = null", () => new EventingOptions().ResponseBody = null!, typeof(ArgumentNullException), "value");
        yield return new("EventingOptions.set_TimeProvider(TimeProvider)", "TimeProvider = null", () => new EventingOptions().TimeProvider = null!, typeof(ArgumentNullException), "value");
        yield return new("EventingOptions.OnCall(Action`1)", "OnCall((Action<HttpCall>)null)", () => new EventingOptions().OnCall((Action<HttpCall>)null!), typeof(ArgumentNullException), "configure");
        yield return new("EventingOptions.OnCall(Action`2)", "OnCall((Action<HttpCall, IServiceProvider>)null)", () => new EventingOptions().OnCall((Action<HttpCall, IServiceProvider>)null!), typeof(ArgumentNullException), "configure");

        // AddEventing
        yield return new("EventingHttpClientBuilderExtensions.AddEventing(IHttpClientBuilder)", "AddEventing(null)", () => EventingHttpClientBuilderExtensions.AddEventing(null!), typeof(ArgumentNullException), "builder");
        yield return new("EventingHttpClientBuilderExtensions.AddEventing(IHttpClientBuilder, Action`1)", "AddEventing(null, c)", () => EventingHttpClientBuilderExtensions.AddEventing(null!, _ => { }), typeof(ArgumentNullException), "builder");
        yield return new("EventingHttpClientBuilderExtensions.AddEventing(IHttpClientBuilder, Action`1)", "AddEventing(b, null)", () => new ServiceCollection().AddHttpClient("c").AddEventing(null!), typeof(ArgumentNullException), "configure");
        yield return new(null, "AddEventing with a negative throttle interval (validation)", () =>
        {
            var services = new ServiceCollection();
            services.AddHttpClient("bad").AddEventing(o => o.ProgressThrottle = new ProgressThrottle { MinimumInterval = TimeSpan.FromSeconds(-1) });
            using var provider = services.BuildServiceProvider();
            provider.GetRequiredService<IHttpClientFactory>().CreateClient("bad");
        }, typeof(OptionsValidationException), "it must be TimeSpan.Zero (no time limit) or positive");

        // Progress
        yield return new("HttpCallProgressExtensions.ReportDownloadProgress(HttpCall, IProgress`1, ProgressThrottle)", "ReportDownloadProgress(null, p)", () => HttpCallProgressExtensions.ReportDownloadProgress(null!, progress), typeof(ArgumentNullException), "call");
        yield return new("HttpCallProgressExtensions.ReportDownloadProgress(HttpCall, IProgress`1, ProgressThrottle)", "ReportDownloadProgress(c, null)", () => call.ReportDownloadProgress((IProgress<TransferProgress>)null!), typeof(ArgumentNullException), "progress");
        yield return new("HttpCallProgressExtensions.ReportUploadProgress(HttpCall, IProgress`1, ProgressThrottle)", "ReportUploadProgress(null, p)", () => HttpCallProgressExtensions.ReportUploadProgress(null!, progress), typeof(ArgumentNullException), "call");
        yield return new("HttpCallProgressExtensions.ReportUploadProgress(HttpCall, IProgress`1, ProgressThrottle)", "ReportUploadProgress(c, null)", () => call.ReportUploadProgress((IProgress<TransferProgress>)null!), typeof(ArgumentNullException), "progress");
        yield return new(null, "ReportDownloadProgress with MinimumInterval < 0", () => call.ReportDownloadProgress(progress, new ProgressThrottle { MinimumInterval = TimeSpan.FromMilliseconds(-1) }), typeof(ArgumentException), "throttle", "it must be TimeSpan.Zero");
        yield return new(null, "ReportUploadProgress with MinimumBytes < 0", () => call.ReportUploadProgress(progress, new ProgressThrottle { MinimumBytes = -1 }), typeof(ArgumentException), "throttle", "it must be 0 (no byte limit) or positive");
        yield return new("HttpCallProgressExtensions.ReportDownloadProgress(HttpCall, Action`1, ProgressThrottle)", "ReportDownloadProgress(null, a)", () => HttpCallProgressExtensions.ReportDownloadProgress(null!, _ => { }), typeof(ArgumentNullException), "call");
        yield return new("HttpCallProgressExtensions.ReportDownloadProgress(HttpCall, Action`1, ProgressThrottle)", "ReportDownloadProgress(c, (Action)null)", () => call.ReportDownloadProgress((Action<TransferProgress>)null!), typeof(ArgumentNullException), "onProgress");
        yield return new("HttpCallProgressExtensions.ReportUploadProgress(HttpCall, Action`1, ProgressThrottle)", "ReportUploadProgress(null, a)", () => HttpCallProgressExtensions.ReportUploadProgress(null!, _ => { }), typeof(ArgumentNullException), "call");
        yield return new("HttpCallProgressExtensions.ReportUploadProgress(HttpCall, Action`1, ProgressThrottle)", "ReportUploadProgress(c, (Action)null)", () => call.ReportUploadProgress((Action<TransferProgress>)null!), typeof(ArgumentNullException), "onProgress");
        yield return new(null, "ProgressThrottle.TimeProvider = null (validated when used)", () => call.ReportDownloadProgress(progress, new ProgressThrottle { TimeProvider = null! }), typeof(ArgumentException), "throttle", "set it to TimeProvider.System");
    }

    private static MockHttpMessageHandler Ok()
    {
        var handler = new MockHttpMessageHandler();
        handler.When("*").Respond(HttpStatusCode.OK, "text/plain", "ok");
        return handler;
    }

    /// <param name="Member">The member whose null argument this covers, as the reflection check names it; null for other bad input.</param>
    /// <param name="Name">The case's display name.</param>
    /// <param name="Act">The bad call.</param>
    /// <param name="Expected">The documented exception type.</param>
    /// <param name="Mentions">What the message must contain: the parameter name (also checked as ParamName), or the fix.</param>
    /// <param name="Fix">More text the message must contain: how to fix the value.</param>
    private sealed record Case(string? Member, string Name, Action Act, Type Expected, string Mentions, string? Fix = null);
}
