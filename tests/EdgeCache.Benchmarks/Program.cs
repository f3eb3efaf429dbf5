using BenchmarkDotNet.Running;

namespace EdgeCache.Benchmarks;

/// <summary>dotnet run -c Release --project tests/EdgeCache.Benchmarks -- --filter '*'</summary>
internal static class BenchmarkProgram
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
