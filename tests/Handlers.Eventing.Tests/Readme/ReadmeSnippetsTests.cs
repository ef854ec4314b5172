namespace Handlers.Eventing.Tests.Readme;

public class ReadmeSnippetsTests
{
    [Fact]
    public void Readme_EveryCSharpBlock_IsCompiledInReadmeSnippets()
    {
        var snippets = RepositoryFiles.Normalize(RepositoryFiles.Read("tests/Handlers.Eventing.Tests/Readme/ReadmeSnippets.cs"));
        var blocks = RepositoryFiles.CSharpBlocks(RepositoryFiles.Read("README.md"));

        Assert.True(blocks.Count >= 4, $"expected the README's csharp blocks, found {blocks.Count}");
        foreach (var block in blocks)
        {
            Assert.True(
                snippets.Contains(RepositoryFiles.Normalize(block), StringComparison.Ordinal),
                $"This README block is not in ReadmeSnippets.cs (copy it there so it compiles):\n{block}");
        }
    }

    [Fact]
    public void Normalize_DifferentIndentation_SameText()
    {
        Assert.Equal("a\nb", RepositoryFiles.Normalize("    a\r\n        b\n\n".ReplaceLineEndings("\n")));
        Assert.NotEqual(RepositoryFiles.Normalize("a\nb"), RepositoryFiles.Normalize("a\nc"));
    }

    [Fact]
    public void Anchors_Headings_AsGitHubNamesThem() =>
        Assert.Equal(
            ["retries-and-hedging", "a-progress-bar", "progresst-and-ordering"],
            RepositoryFiles.Anchors("## Retries and hedging\ntext\n### A progress bar\n## `Progress<T>` and ordering\n```\n# not a heading\n```\n"));

    [Fact]
    public void Links_CodeLeftOut_OnlyProseLinks() =>
        Assert.Equal(["docs/a.md", "https://x/y"], RepositoryFiles.Links("see [a](docs/a.md) and `[b](docs/b.md)`\n```\n[c](c.md)\n```\n[y](https://x/y)"));
}
