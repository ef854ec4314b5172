using Handlers.Eventing.Internal;

namespace Handlers.Eventing.Tests.Logging;

public class UriRedactorTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5000/items?a=1&b=secret", "http://127.0.0.1:5000/items?a=*&b=*")]
    [InlineData("https://user:pass@example.com/p/q?token=abc#frag", "https://example.com/p/q?token=*")]
    [InlineData("https://example.com/path", "https://example.com/path")]
    [InlineData("https://example.com/path?", "https://example.com/path")]
    [InlineData("https://example.com/?flag&x=&&y=2", "https://example.com/?*&x=*&y=*")]
    [InlineData("https://example.com:443/a%20b?q=%20", "https://example.com/a%20b?q=*")]
    public void Redact_AbsoluteUri_KeepsKeysAndDropsValues(string uri, string expected) =>
        Assert.Equal(expected, UriRedactor.Redact(new Uri(uri)));

    [Theory]
    [InlineData("items?a=1&b=2#x", "items?a=*&b=*")]
    [InlineData("/items", "/items")]
    public void Redact_RelativeUri_KeepsKeysAndDropsValues(string uri, string expected) =>
        Assert.Equal(expected, UriRedactor.Redact(new Uri(uri, UriKind.Relative)));

    [Fact]
    public void Redact_Null_IsEmpty() => Assert.Equal(string.Empty, UriRedactor.Redact(null));
}
