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
        string[] args =
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            $"--user-data-dir={profile}", .. extra, url.ToString(),
        ];
        return (await ProcessRunner.RunAsync(Executable, args)).Output;
    }
}
