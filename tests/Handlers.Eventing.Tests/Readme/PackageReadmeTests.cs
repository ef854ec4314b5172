using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Handlers.Eventing.Tests.Readme;

/// <summary>
/// The package's readme (<c>src/Handlers.Eventing/PACKAGE.md</c>) is read on a package page, away from any repository: it stands
/// alone. Its links are absolute and real (no placeholder host or owner), the package metadata names no placeholder URL, and
/// its code is the consumer app's that CI builds from the packed package (<c>.ci/consumer/Program.cs</c>), so it names nothing
/// a package user does not have.
/// </summary>
public partial class PackageReadmeTests
{
    private const string Project = "src/Handlers.Eventing/Handlers.Eventing.csproj";

    // The metadata properties a package page shows as links.
    private static readonly string[] UrlProperties = ["PackageProjectUrl", "RepositoryUrl", "PackageIconUrl", "PackageLicenseUrl"];

    [Fact]
    public void PackageReadme_IsTheReadmePackedWithTheLibrary()
    {
        var project = XDocument.Load(RepositoryFiles.Path(Project));

        Assert.Equal("PACKAGE.md", Property(project, "PackageReadmeFile"));
        Assert.True(File.Exists(PackedReadmePath()), $"{PackedReadmePath()} does not exist");
    }

    [Fact]
    public void PackageReadme_EveryCSharpBlock_IsInTheConsumerApp()
    {
        var consumer = RepositoryFiles.Normalize(RepositoryFiles.Read(".ci/consumer/Program.cs"));
        var blocks = RepositoryFiles.CSharpBlocks(ReadPackedReadme());

        Assert.True(blocks.Count >= 7, $"expected the usings and the six uses, found {blocks.Count} csharp blocks");
        foreach (var block in blocks)
        {
            Assert.True(
                consumer.Contains(RepositoryFiles.Normalize(block), StringComparison.Ordinal),
                $"This block of PACKAGE.md is not in .ci/consumer/Program.cs (copy it there, so CI builds it against the package):\n{block}");
        }
    }

    [Theory]
    [InlineData("EventingHandler")]
    [InlineData("ReportDownloadProgress")]
    [InlineData("LogLifecycle")]
    [InlineData("AddStandardResilienceHandler")]
    [InlineData("HttpEvents.Retry")]
    [InlineData("e.Delay")]
    [InlineData(".AddSource(\"Handlers.Eventing\")")]
    [InlineData(".AddMeter(\"Handlers.Eventing\")")]
    [InlineData("CollectTimings = true")]
    [InlineData("Polly.Extensions")]
    public void PackageReadme_EveryFeature_ShowsItsCodeOnThePage(string text) =>
        Assert.Contains(text, ReadPackedReadme(), StringComparison.Ordinal);

    [Theory]
    [InlineData("RetryHandler")]
    [InlineData("DemoServer")]
    [InlineData("](docs/")]
    [InlineData("](samples/")]
    public void PackageReadme_NamesNothingThatOnlyTheRepositoryHas(string text) =>
        Assert.DoesNotContain(text, ReadPackedReadme(), StringComparison.Ordinal);

    [Fact]
    public void PackageReadme_EveryLink_IsAbsoluteAndNoPlaceholder()
    {
        var markdown = ReadPackedReadme();

        Assert.Empty(LinkProblems(markdown));
    }

    [Theory]
    [InlineData("see [the guide](docs/resilience.md)", "not an absolute http(s) link")]
    [InlineData("see [the top](#install)", "not an absolute http(s) link")]
    [InlineData("[repo](https://github.com/example/Handlers.Eventing/blob/main/docs/resilience.md)", "placeholder")]
    [InlineData("[repo](https://github.com/your-org/Handlers.Eventing)", "placeholder")]
    [InlineData("[repo](https://github.com/OWNER/Handlers.Eventing)", "placeholder")]
    [InlineData("<https://example.com/docs>", "placeholder")]
    [InlineData("more at https://placeholder.dev/x", "placeholder")]
    [InlineData("[site](https://handlers.example.org/TODO)", "placeholder")]
    [InlineData("[ftp](ftp://files.contoso.net/x)", "not an absolute http(s) link")]
    public void LinkProblems_BadLink_Reported(string markdown, string problem) =>
        Assert.Contains(problem, Assert.Single(LinkProblems(markdown)), StringComparison.Ordinal);

    [Theory]
    [InlineData("[guide](https://learn.microsoft.com/dotnet/core/resilience/http-resilience)")]
    [InlineData("code: `https://example.com/big.iso` and\n```csharp\nvar u = \"https://example.com/x\";\n```\n")]
    [InlineData("no link at all")]
    public void LinkProblems_RealLinkOrCode_NoProblem(string markdown) =>
        Assert.Empty(LinkProblems(markdown));

    [Theory]
    [InlineData(Project)]
    [InlineData("Directory.Build.props")]
    public void ProjectFile_PackageUrls_AbsentOrReal(string file)
    {
        var project = XDocument.Load(RepositoryFiles.Path(file));

        foreach (var name in UrlProperties)
        {
            foreach (var element in project.Descendants(name))
            {
                Assert.True(IsRealUrl(element.Value, out var problem), $"{file} sets {name} to '{element.Value}': {problem}");
            }
        }
    }

    [Fact]
    public void BuiltLibrary_RepositoryUrlMetadata_AbsentOrReal()
    {
        // The SDK writes the package's RepositoryUrl (set, or found by Source Link) into the assembly when PublishRepositoryUrl is
        // on; empty when there is none.
        var metadata = typeof(EventEmitter).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>();

        foreach (var url in metadata.Where(m => m.Key == "RepositoryUrl" && !string.IsNullOrEmpty(m.Value)).Select(m => m.Value!))
        {
            Assert.True(IsRealUrl(url, out var problem), $"the built library carries RepositoryUrl '{url}': {problem}");
        }
    }

    /// <summary>The links of a Markdown text (code left out) that a package page would show broken, each with what is wrong.</summary>
    internal static List<string> LinkProblems(string markdown)
    {
        var prose = RepositoryFiles.WithoutCode(markdown);
        var targets = RepositoryFiles.Links(markdown)
            .Concat(AutoLink().Matches(prose).Select(m => m.Groups[1].Value))
            .Concat(BareUrl().Matches(AutoLink().Replace(MarkdownLink().Replace(prose, string.Empty), string.Empty)).Select(m => m.Value));
        var problems = new List<string>();
        foreach (var target in targets)
        {
            if (!IsRealUrl(target, out var problem))
            {
                problems.Add($"'{target}': {problem}");
            }
        }

        return problems;
    }

    private static bool IsRealUrl(string url, out string problem)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            problem = "not an absolute http(s) link; on a package page only those work";
            return false;
        }

        if (Placeholder().IsMatch(url))
        {
            problem = "a placeholder address, which leads nowhere";
            return false;
        }

        problem = string.Empty;
        return true;
    }

    /// <summary>The file the project packs as its readme: the packed item whose name is PackageReadmeFile, beside the project.</summary>
    private static string PackedReadmePath()
    {
        var project = XDocument.Load(RepositoryFiles.Path(Project));
        var readme = Property(project, "PackageReadmeFile");
        Assert.False(string.IsNullOrEmpty(readme), $"{Project} defines no PackageReadmeFile");
        var packed = project.Descendants("None")
            .Where(e => (string?)e.Attribute("Pack") == "true")
            .Select(e => (string?)e.Attribute("Include"))
            .SingleOrDefault(include => include is not null && Path.GetFileName(include) == readme);
        Assert.True(packed is not null, $"{Project} packs no item named {readme}");
        return Path.Combine(Path.GetDirectoryName(RepositoryFiles.Path(Project))!, packed.Replace('\\', Path.DirectorySeparatorChar));
    }

    private static string ReadPackedReadme() => File.ReadAllText(PackedReadmePath()).ReplaceLineEndings("\n");

    private static string? Property(XDocument project, string name) => project.Descendants(name).FirstOrDefault()?.Value;

    [GeneratedRegex(@"<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]+)>")]
    private static partial Regex AutoLink();

    [GeneratedRegex(@"\[[^\]]*\]\([^)\s]+\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"\b(?:https?|ftp)://[^\s)>\]]+")]
    private static partial Regex BareUrl();

    [GeneratedRegex(
        @"example\.(com|org|net)|\.example\b|your-?(org|name|user|company)|placeholder|\bTODO\b|github\.com/(example|owner|user|org|username|your[^/]*)(/|$)|//localhost\b|//127\.0\.0\.1|[<>{}]",
        RegexOptions.IgnoreCase)]
    private static partial Regex Placeholder();
}
