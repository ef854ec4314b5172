using System.Reflection;
using Xunit.Sdk;

namespace Handlers.Eventing.Tests.Infrastructure;

/// <summary>
/// Runs a theory once in each <see cref="PipelineShape"/>: the shape is the last argument, after the values given here.
/// <c>[PipelineShapes]</c> stands for <c>[InlineData(PipelineShape.OneLayer)]</c> and <c>[InlineData(PipelineShape.TwoParts)]</c>;
/// <c>[PipelineShapes("scope")]</c> for <c>[InlineData("scope", PipelineShape.OneLayer)]</c> and its TwoParts row.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class PipelineShapesAttribute(params object?[] values) : DataAttribute
{
    /// <summary>Gets the arguments that come before the shape in every row.</summary>
    public IReadOnlyList<object?> Values { get; } = values;

    /// <inheritdoc />
    public override IEnumerable<object?[]> GetData(MethodInfo testMethod) =>
        Enum.GetValues<PipelineShape>().Select(shape => (object?[])[.. Values, shape]);
}

/// <summary>
/// Runs a theory over HTTP/1.1 and h2c in each <see cref="PipelineShape"/>: the arguments are <c>(bool http2, PipelineShape shape)</c>,
/// the four rows <c>[InlineData(false, PipelineShape.OneLayer)]</c> … <c>[InlineData(true, PipelineShape.TwoParts)]</c> stood for.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class HttpVersionsAndPipelineShapesAttribute : DataAttribute
{
    /// <inheritdoc />
    public override IEnumerable<object?[]> GetData(MethodInfo testMethod) =>
        from shape in Enum.GetValues<PipelineShape>()
        from http2 in new[] { false, true }
        select new object?[] { http2, shape };
}
