namespace Handlers.Eventing;

internal static class Placeholder
{
}
