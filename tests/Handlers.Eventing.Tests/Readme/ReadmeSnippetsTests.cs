using System.Text.RegularExpressions;

namespace Handlers.Eventing.Tests.Readme;

public partial class ReadmeSnippetsTests
{
    [Fact]
    public void Readme_EveryCSharpBlock_IsCompiledInReadmeSnippets()
    {
        var root = FindRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var snippets = Normalize(File.ReadAllText(Path.Combine(root, "tests", "Handlers.Eventing.Tests", "Readme", "ReadmeSnippets.cs")));

        var blocks = CSharpBlock().Matches(readme).Select(m => m.Groups[1].Value).ToList();

        Assert.True(blocks.Count >= 4, $"expected the README's csharp blocks, found {blocks.Count}");
        foreach (var block in blocks)
        {
            var normalized = Normalize(block);
            Assert.True(
                snippets.Contains(normalized, StringComparison.Ordinal),
                $"This README block is not in ReadmeSnippets.cs (copy it there so it compiles):\n{block}");
        }
    }

    [Fact]
    public void Normalize_DifferentIndentation_SameText()
    {
        Assert.Equal("a\nb", Normalize("    a\r\n        b\n\n"));
        Assert.NotEqual(Normalize("a\nb"), Normalize("a\nc"));
    }

    private static string Normalize(string text) =>
        string.Join("\n", text.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Handlers.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Handlers.sln not found above the test assembly.");
    }

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
