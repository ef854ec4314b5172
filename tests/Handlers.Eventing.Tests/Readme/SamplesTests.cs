namespace Handlers.Eventing.Tests.Readme;

/// <summary>The samples are read top to bottom by newcomers: each is short, focused and listed in samples/README.md.</summary>
public class SamplesTests
{
    private const int LineBudget = 80;

    public static TheoryData<string> Samples() =>
        [.. Directory.GetDirectories(RepositoryFiles.Path("samples"))
            .Where(d => File.Exists(Path.Combine(d, "Program.cs")))
            .Select(d => Path.GetFileName(d))
            .Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_Program_IsWithinTheLineBudget(string sample)
    {
        var lines = File.ReadAllLines(RepositoryFiles.Path($"samples/{sample}/Program.cs")).Length;

        Assert.True(lines <= LineBudget, $"samples/{sample}/Program.cs has {lines} lines; the budget is {LineBudget} (move what is not the point to samples/Shared)");
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_IsListedInTheSamplesReadme(string sample) =>
        Assert.Contains($"[{sample}]({sample}/Program.cs)", RepositoryFiles.Read("samples/README.md"), StringComparison.Ordinal);
}
