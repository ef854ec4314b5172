namespace Handlers.Eventing.Tests.Readme;

/// <summary>The repository's Markdown pages link only to files that are in the repository, and to headings that exist.</summary>
public class DocumentationLinksTests
{
    public static TheoryData<string> Pages()
    {
        var pages = new TheoryData<string> { "README.md", "samples/README.md" };
        foreach (var file in Directory.GetFiles(RepositoryFiles.Path("docs"), "*.md").Order(StringComparer.Ordinal))
        {
            pages.Add("docs/" + Path.GetFileName(file));
        }

        return pages;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Page_EveryRelativeLink_PointsToAFileOrHeadingInTheRepository(string page)
    {
        var directory = Path.GetDirectoryName(RepositoryFiles.Path(page))!;
        var markdown = RepositoryFiles.Read(page);

        foreach (var link in RepositoryFiles.Links(markdown).Where(l => !l.Contains("://", StringComparison.Ordinal)))
        {
            var parts = link.Split('#', 2);
            var target = parts[0].Length == 0 ? RepositoryFiles.Path(page) : Path.GetFullPath(Path.Combine(directory, parts[0]));
            Assert.True(File.Exists(target) || Directory.Exists(target), $"{page} links to '{link}', which is not in the repository");
            if (parts.Length == 2 && target.EndsWith(".md", StringComparison.Ordinal))
            {
                Assert.True(RepositoryFiles.Anchors(File.ReadAllText(target).ReplaceLineEndings("\n")).Contains(parts[1]),
                    $"{page} links to '{link}', but that page has no heading with the anchor #{parts[1]}");
            }
        }
    }
}
