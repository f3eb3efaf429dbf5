using System.Diagnostics;
using Prometheus;

namespace EdgeCache.Metrics;

/// <summary>
/// The standard <c>process_*</c> series, read before each scrape. prometheus-net's own
/// (<c>DotNetStats</c>) names two of them differently (<c>process_working_set_bytes</c>,
/// <c>process_open_handles</c>), and the README promises these names.
/// </summary>
internal sealed class ProcessMetrics : IDisposable
{
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly Lock _lock = new();
    private readonly Counter _cpu;
    private readonly Gauge _resident;
    private readonly Gauge _openFds;
    private bool _disposed;

    public ProcessMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        _cpu = factory.CreateCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.");
        _resident = factory.CreateGauge("process_resident_memory_bytes", "Resident memory size in bytes.");
        factory.CreateGauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.")
            .Set(new DateTimeOffset(_process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
        _openFds = factory.CreateGauge("process_open_fds", "Number of open file descriptors.");
        registry.AddBeforeCollectCallback(Read);
    }

    private void Read()
    {
        // Process is not thread-safe, and scrapes may overlap.
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _process.Refresh();
            _cpu.IncTo(_process.TotalProcessorTime.TotalSeconds);
            _resident.Set(_process.WorkingSet64);
            _openFds.Set(_process.HandleCount);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _process.Dispose();
        }
    }
}
