using System.Text.RegularExpressions;

namespace Handlers.Eventing.Tests.Readme;

/// <summary>Finds the repository's files from the test assembly, and reads the pieces of Markdown the documentation tests check.</summary>
internal static partial class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

    public static string Read(string relative) => File.ReadAllText(Path(relative)).ReplaceLineEndings("\n");

    /// <summary>The bodies of the <c>```csharp</c> blocks of a Markdown text.</summary>
    public static List<string> CSharpBlocks(string markdown) => [.. CSharpBlock().Matches(markdown).Select(m => m.Groups[1].Value)];

    /// <summary>The targets of the Markdown links <c>[text](target)</c> of a text, code spans and blocks left out.</summary>
    public static List<string> Links(string markdown) => [.. Link().Matches(WithoutCode(markdown)).Select(m => m.Groups[1].Value)];

    /// <summary>A Markdown text without its code blocks and code spans: the prose, where links are links.</summary>
    public static string WithoutCode(string markdown) => CodeSpan().Replace(CodeBlock().Replace(markdown, string.Empty), string.Empty);

    /// <summary>The anchors GitHub gives the headings of a Markdown text: lower case, punctuation dropped, spaces as dashes.</summary>
    public static HashSet<string> Anchors(string markdown) =>
    [
        .. Heading().Matches(CodeBlock().Replace(markdown, string.Empty))
            .Select(m => AnchorPunctuation().Replace(m.Groups[1].Value.Trim().ToLowerInvariant(), string.Empty).Replace(' ', '-')),
    ];

    /// <summary>Trims every line and drops empty ones, so a block matches its copy whatever the indentation.</summary>
    public static string Normalize(string text) =>
        string.Join("\n", text.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Handlers.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Handlers.sln was not found above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex("```.*?```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex("`[^`\\n]*`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} +(.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\w\- ]")]
    private static partial Regex AnchorPunctuation();
}
