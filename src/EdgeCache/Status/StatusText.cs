using System.Globalization;

namespace EdgeCache.Status;

/// <summary>Times and durations as a reader reads them: <c>14:02 UTC</c>, <c>4 min</c>; never a raw timestamp.</summary>
internal static class StatusText
{
    /// <summary><c>14:02 UTC</c> on the same UTC day as <paramref name="now"/>, else <c>2026-11-23 14:02 UTC</c>.</summary>
    public static string Time(DateTimeOffset time, DateTimeOffset now)
    {
        var utc = time.ToUniversalTime();
        var format = utc.Date == now.ToUniversalTime().Date ? "HH:mm 'UTC'" : "yyyy-MM-dd HH:mm 'UTC'";
        return utc.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary><c>2026-11-23 14:05:09 UTC</c>.</summary>
    public static string FullTime(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary><c>40 s</c>, <c>4 min</c>, <c>2 h 5 min</c>, <c>3 d 1 h</c>.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }
        return span.TotalSeconds switch
        {
            < 60 => $"{(int)span.TotalSeconds} s",
            < 3600 => $"{(int)span.TotalMinutes} min",
            < 86400 => $"{(int)span.TotalHours} h {span.Minutes} min",
            _ => $"{(int)span.TotalDays} d {span.Hours} h",
        };
    }

    /// <summary><c>a</c>, <c>a and b</c>, <c>a, b and c</c>.</summary>
    public static string List(IReadOnlyList<string> items) => items.Count switch
    {
        0 => "",
        1 => items[0],
        _ => string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1],
    };

    /// <summary><c>is</c> for one, <c>are</c> for more.</summary>
    public static string Is(int count) => count == 1 ? "is" : "are";

    /// <summary><c>1 saved copy</c>, <c>12 saved copies</c>.</summary>
    public static string SavedCopies(long count) => count == 1 ? "1 saved copy" : $"{count.ToString(CultureInfo.InvariantCulture)} saved copies";
}
