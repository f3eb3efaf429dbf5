namespace EdgeCache.AccessLog;

/// <summary>Where access log lines go: standard output, opened once when the first line is written (tests replace it).</summary>
internal sealed class AccessLogOutput(Func<Stream> open)
{
    public static AccessLogOutput StandardOutput { get; } = new(Console.OpenStandardOutput);

    public Stream Open() => open();
}
