namespace Handlers.Eventing;

/// <summary>
/// The <see cref="HttpRequestMessage.Options"/> entries that configure a request's <see cref="HttpCall"/> without holding it:
/// for clients that build the request for you but let you set its options (Refit's <c>[Property]</c>, a handler of your own).
/// </summary>
/// <remarks>
/// <para>
/// When the call of a request starts (its request enters the call-level handler), a <c>configure</c> found under
/// <see cref="ConfigureKeyName"/> is passed the call, once per call (not per attempt), before the call's first event, after the
/// client-level <see cref="EventingOptions.OnCall(Action{HttpCall})"/> configurations and the <see cref="HttpCall.Observe"/>
/// scopes of the flow. A <c>configure</c> that throws fails the call as a listener exception does: the send throws that
/// exception, and the call raises <see cref="HttpEvents.Error"/> and <see cref="HttpEvents.Complete"/> (with
/// <see cref="EventingOptions.IsolateListenerExceptions"/>, it is reported instead and the call goes on).
/// </para>
/// <para>
/// With Refit, declare a parameter <c>[Property(HttpCallRequestOptions.ConfigureKeyName)] Action&lt;HttpCall&gt; configure</c>:
/// Refit writes its value into the request's options under that name.
/// </para>
/// </remarks>
public static class HttpCallRequestOptions
{
    /// <summary>The name of the <see cref="HttpRequestMessage.Options"/> entry that <see cref="Configure"/> reads: <c>"Handlers.Eventing.Configure"</c>.</summary>
    /// <remarks>Any entry under this name whose value is an <see cref="Action{T}"/> of <see cref="HttpCall"/> is used, whatever key type wrote it; another value is ignored.</remarks>
    public const string ConfigureKeyName = "Handlers.Eventing.Configure";

    /// <summary>Gets the key of the request option that configures the request's call when it starts.</summary>
    /// <value>A key named <see cref="ConfigureKeyName"/>, for <c>request.Options.Set(HttpCallRequestOptions.Configure, call =&gt; ...)</c>.</value>
    public static HttpRequestOptionsKey<Action<HttpCall>> Configure { get; } = new(ConfigureKeyName);
}
