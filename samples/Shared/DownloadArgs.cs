namespace Samples;

/// <summary>The DownloadProgress sample's command line: <c>[--size MiB] [--rate MiB/s, 0 = unpaced] [http(s)://url]</c>.</summary>
public static class DownloadArgs
{
    public const string Usage = "Usage: DownloadProgress [--size MiB] [--rate MiB/s, 0 = unpaced] [http(s)://url]";

    /// <summary>Parses the arguments, or writes what is wrong and the usage to stderr and exits with 64 (EX_USAGE).</summary>
    public static (long SizeMiB, long RateMiB, Uri? Url) Parse(string[] args)
    {
        var (sizeMiB, rateMiB, url) = (256L, 64L, (Uri?)null);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--size" when long.TryParse(value, out var size) && size >= 0:
                    sizeMiB = size;
                    i++;
                    break;
                case "--rate" when long.TryParse(value, out var rate) && rate >= 0:
                    rateMiB = rate;
                    i++;
                    break;
                case var arg when Uri.TryCreate(arg, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https":
                    url = parsed;
                    break;
                default:
                    Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'. {Usage}");
                    Environment.Exit(64);
                    break;
            }
        }

        return (sizeMiB, rateMiB, url);
    }
}
