using System.Net;
using System.Net.Sockets;

namespace EdgeCache.Tests.Infrastructure;

/// <summary>
/// An origin that answers every request (health probes included) with the same bytes, exactly as
/// given, over a plain socket: what a misbehaving origin sends and Kestrel would refuse to.
/// </summary>
internal sealed class RawOrigin : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _response;
    private readonly Task _accepting;
    private int _requests;

    /// <param name="response">The whole answer: status line, fields, blank line, body; it should say <c>Connection: close</c>.</param>
    public RawOrigin(byte[] response)
    {
        _response = response;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Requests other than health probes.</summary>
    public int RequestCount => Volatile.Read(ref _requests);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = AnswerAsync(socket);
        }
    }

    private async Task AnswerAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                var head = new List<byte>();
                var buffer = new byte[4096];
                while (!EndsHead(head))
                {
                    var read = await socket.ReceiveAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }
                    head.AddRange(buffer.AsSpan(0, read));
                }
                var requestLine = System.Text.Encoding.ASCII.GetString([.. head.TakeWhile(b => b != '\r')]);
                if (!requestLine.Contains(" " + TestOrigin.HealthPath, StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _requests);
                }
                await socket.SendAsync(_response, _stop.Token);
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private static bool EndsHead(List<byte> bytes)
    {
        for (var i = 3; i < bytes.Count; i++)
        {
            if (bytes[i - 3] == '\r' && bytes[i - 2] == '\n' && bytes[i - 1] == '\r' && bytes[i] == '\n')
            {
                return true;
            }
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
