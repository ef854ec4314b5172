using System.Text;

namespace Handlers.Eventing.Internal;

/// <summary>Makes a URI safe to log: no user info, no fragment, query keys kept and query values replaced by <c>*</c>.</summary>
internal static class UriRedactor
{
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
