using System.Runtime.InteropServices;

namespace EdgeCache.Templates;

/// <summary>
/// Lowers the calling thread's CPU priority where the OS allows it (Linux: each thread has its own
/// nice value). .NET's <c>Thread.Priority</c> does nothing on Linux, and a template compile is
/// seconds of CPU at start-up: at nice 10 it takes what the request path and the disk scan leave,
/// and still all of an idle machine.
/// </summary>
internal static class BackgroundPriority
{
    private const int PrioProcess = 0;
    private const int Nice = 10;

    public static void LowerCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            _ = SetPriority(PrioProcess, GetThreadId(), Nice); // best effort: on failure the thread keeps its priority
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    // DllImport rather than LibraryImport, which would need unsafe code enabled for two int calls.
    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();
}
