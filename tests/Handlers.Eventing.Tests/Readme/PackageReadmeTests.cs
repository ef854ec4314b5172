using System.Xml.Linq;

namespace Handlers.Eventing.Tests.Readme;

/// <summary>
/// The package's readme (<c>src/Handlers.Eventing/PACKAGE.md</c>) is read on a package page, away from the repository: its links
/// are absolute, under the project's RepositoryUrl, and lead somewhere; its code is the consumer app's that CI builds from the
/// packed package (<c>.ci/consumer/Program.cs</c>), so it names nothing a package user does not have.
/// </summary>
public class PackageReadmeTests
{
    private const string PackageReadme = "src/Handlers.Eventing/PACKAGE.md";
    private const string Project = "src/Handlers.Eventing/Handlers.Eventing.csproj";

    [Fact]
    public void PackageReadme_IsTheReadmePackedWithTheLibrary()
    {
        var project = XDocument.Load(RepositoryFiles.Path(Project));

        Assert.Equal("PACKAGE.md", Property(project, "PackageReadmeFile"));
        Assert.Contains(project.Descendants("None"), e => (string?)e.Attribute("Include") == "PACKAGE.md" && (string?)e.Attribute("Pack") == "true");
    }

    [Fact]
    public void PackageReadme_EveryCSharpBlock_IsInTheConsumerApp()
    {
        var consumer = RepositoryFiles.Normalize(RepositoryFiles.Read(".ci/consumer/Program.cs"));
        var blocks = RepositoryFiles.CSharpBlocks(RepositoryFiles.Read(PackageReadme));

        Assert.True(blocks.Count >= 4, $"expected the usings and the three uses, found {blocks.Count} csharp blocks");
        foreach (var block in blocks)
        {
            Assert.True(
                consumer.Contains(RepositoryFiles.Normalize(block), StringComparison.Ordinal),
                $"This block of {PackageReadme} is not in .ci/consumer/Program.cs (copy it there, so CI builds it against the package):\n{block}");
        }
    }

    [Fact]
    public void PackageReadme_EveryLink_IsAbsoluteUnderRepositoryUrlAndLeadsToAFileOrHeading()
    {
        var repositoryUrl = Property(XDocument.Load(RepositoryFiles.Path(Project)), "RepositoryUrl");
        Assert.False(string.IsNullOrEmpty(repositoryUrl), $"{Project} defines no RepositoryUrl");
        var readmeAnchors = RepositoryFiles.Anchors(RepositoryFiles.Read("README.md"));
        var links = RepositoryFiles.Links(RepositoryFiles.Read(PackageReadme));

        Assert.NotEmpty(links);
        foreach (var link in links)
        {
            Assert.True(link.StartsWith(repositoryUrl + "/", StringComparison.Ordinal) || link.StartsWith(repositoryUrl + "#", StringComparison.Ordinal),
                $"{PackageReadme} links to '{link}': on a package page only absolute links under RepositoryUrl ({repositoryUrl}) work");
            var rest = link[repositoryUrl!.Length..];
            if (rest.StartsWith('#'))
            {
                Assert.True(readmeAnchors.Contains(rest[1..]), $"'{link}': README.md has no heading with the anchor {rest}");
            }
            else
            {
                const string Blob = "/blob/main/";
                Assert.True(rest.StartsWith(Blob, StringComparison.Ordinal), $"'{link}': expected {repositoryUrl}{Blob}<path> or {repositoryUrl}#<heading>");
                var path = rest[Blob.Length..].Split('#')[0];
                Assert.True(File.Exists(RepositoryFiles.Path(path)), $"'{link}': {path} is not in the repository");
            }
        }
    }

    [Theory]
    [InlineData("RetryHandler")]
    [InlineData("DemoServer")]
    [InlineData("](docs/")]
    [InlineData("](samples/")]
    public void PackageReadme_NamesNothingThatOnlyTheRepositoryHas(string text) =>
        Assert.DoesNotContain(text, RepositoryFiles.Read(PackageReadme), StringComparison.Ordinal);

    private static string? Property(XDocument project, string name) => project.Descendants(name).FirstOrDefault()?.Value;
}
