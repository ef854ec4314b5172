using System.Text;

namespace Handlers.Eventing.Internal;

/// <summary>
/// Makes a URI safe to log and to put on a span: the application's <see cref="EventingOptions.RedactUri"/> when it set one,
/// else no user info, no fragment, query keys kept and query values replaced by <c>*</c>.
/// </summary>
internal static class UriRedactor
{
    /// <summary>Returns <paramref name="uri"/> as <paramref name="redactUri"/> writes it, or as <see cref="Redact(Uri?)"/> does.</summary>
    /// <remarks>
    /// A redactor that throws or returns <see langword="null"/> never breaks the call: the default redaction is used instead, so
    /// that a bug in it can never leak the query it was meant to hide.
    /// </remarks>
    public static string Redact(Uri? uri, Func<Uri, string>? redactUri)
    {
        if (redactUri is null || uri is null)
        {
            return Redact(uri);
        }

        try
        {
            return redactUri(uri) ?? Redact(uri);
        }
#pragma warning disable CA1031 // The application's redactor must never fail the call or the telemetry: fall back to the default.
        catch (Exception)
#pragma warning restore CA1031
        {
            return Redact(uri);
        }
    }

    /// <summary>Returns <c>scheme://host:port/path?a=*&amp;b=*</c> for <paramref name="uri"/>.</summary>
    /// <remarks>A query part without <c>=</c> may itself be a secret (<c>?token</c>), so it becomes <c>*</c>.</remarks>
    public static string Redact(Uri? uri)
    {
        if (uri is null)
        {
            return string.Empty;
        }

        string head;
        ReadOnlySpan<char> query;
        if (uri.IsAbsoluteUri)
        {
            head = uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
            query = uri.Query.AsSpan();
        }
        else
        {
            var original = uri.OriginalString.AsSpan();
            var fragment = original.IndexOf('#');
            if (fragment >= 0)
            {
                original = original[..fragment];
            }

            var start = original.IndexOf('?');
            head = (start < 0 ? original : original[..start]).ToString();
            query = start < 0 ? default : original[start..];
        }

        if (query.Length <= 1)
        {
            return head;
        }

        var builder = new StringBuilder(head, head.Length + query.Length);
        var separator = '?';
        foreach (var range in query[1..].Split('&'))
        {
            var part = query[1..][range];
            if (part.IsEmpty)
            {
                continue;
            }

            builder.Append(separator);
            separator = '&';
            var equals = part.IndexOf('=');
            if (equals < 0)
            {
                builder.Append('*');
            }
            else
            {
                builder.Append(part[..equals]).Append("=*");
            }
        }

        return builder.ToString();
    }
}
