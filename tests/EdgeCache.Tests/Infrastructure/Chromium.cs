using System.Diagnostics;

namespace EdgeCache.Tests.Infrastructure;

/// <summary>Debian's headless Chromium, as a reader's browser (installed by ./test.sh).</summary>
internal static class Chromium
{
    public static string Executable =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("Chromium is not installed; ./test.sh installs it (apt-get install chromium)");

    /// <summary>Loads <paramref name="url"/> and returns the DOM as the browser rendered it.</summary>
    public static Task<string> DumpDomAsync(Uri url) => RunAsync(url, "--dump-dom");

    /// <summary>Loads <paramref name="url"/> and saves a PNG of the viewport.</summary>
    public static Task ScreenshotAsync(Uri url, string path) => RunAsync(url, $"--screenshot={path}", "--window-size=1024,768");

    private static async Task<string> RunAsync(Uri url, params string[] extra)
    {
        var profile = TempDirectory.Create("chromium-profile");
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            $"--user-data-dir={profile}",
        }.Concat(extra))
        {
            start.ArgumentList.Add(arg);
        }
        start.ArgumentList.Add(url.ToString());
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Chromium did not finish loading {url} within 60 s");
        }
        return await output;
    }
}
