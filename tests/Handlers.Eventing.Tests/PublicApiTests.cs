namespace Handlers.Eventing.Tests;

/// <summary>
/// Guards the public surface: the listing of <c>Handlers.Eventing</c> must match <c>api/Handlers.Eventing.txt</c>.
/// A test run never writes to the tree: the file is rewritten only when asked, with <c>UPDATE_PUBLIC_API=1</c>
/// (<c>UPDATE_PUBLIC_API=1 dotnet test --filter PublicApi</c>), so the change shows as a git diff to review and commit.
/// </summary>
public class PublicApiTests
{
    /// <summary>The environment variable that lets a failing run rewrite the listing (1 or true).</summary>
    internal const string UpdateVariable = "UPDATE_PUBLIC_API";

    private const string ApiFile = "api/Handlers.Eventing.txt";

    [Fact]
    public void PublicApi_Assembly_MatchesTheCommittedListing()
    {
        var actual = PublicApiListing.Create(typeof(EventEmitter).Assembly);
        var path = Path.Combine(FindRepositoryRoot(), ApiFile.Replace('/', Path.DirectorySeparatorChar));
        var expected = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : null;

        if (expected == actual)
        {
            return;
        }

        var rewritten = IsUpdateRequested(Environment.GetEnvironmentVariable(UpdateVariable));
        if (rewritten)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
        }

        Assert.Fail(
            $"The public API of Handlers.Eventing differs from {ApiFile}.\n" +
            Describe(expected, actual) +
            (rewritten
                ? $"\n{ApiFile} was rewritten: review the change with 'git diff -- {ApiFile}' and commit it if it is intended."
                : $"\nIf the change is intended, run '{UpdateVariable}=1 dotnet test --filter PublicApi' to rewrite {ApiFile}, review the diff and commit it."));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    public void IsUpdateRequested_VariableValue_OnlyAnExplicitYesRewrites(string? value, bool expected) =>
        Assert.Equal(expected, IsUpdateRequested(value));

    [Fact]
    public void PublicApiListing_SameAssembly_IsDeterministic()
    {
        var first = PublicApiListing.Create(typeof(EventEmitter).Assembly);
        var second = PublicApiListing.Create(typeof(EventEmitter).Assembly);

        Assert.Equal(first, second);
        Assert.Contains("public class Handlers.Eventing.EventEmitter", first, StringComparison.Ordinal);
        Assert.DoesNotContain("Handlers.Eventing.Internal", first, StringComparison.Ordinal);
    }

    /// <summary>Whether the run may rewrite the listing: only when the variable says so, never because CI is unset.</summary>
    internal static bool IsUpdateRequested(string? value) =>
        value is "1" || string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    private static string Describe(string? expected, string actual)
    {
        if (expected is null)
        {
            return $"{ApiFile} does not exist yet.";
        }

        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        var removed = expectedLines.Except(actualLines, StringComparer.Ordinal).Select(l => "  - " + l);
        var added = actualLines.Except(expectedLines, StringComparer.Ordinal).Select(l => "  + " + l);
        var lines = removed.Concat(added).Take(40).ToList();
        return lines.Count == 0 ? "The lines are the same but their order or count differs." : string.Join("\n", lines);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Handlers.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Handlers.sln was not found above {AppContext.BaseDirectory}.");
    }
}
