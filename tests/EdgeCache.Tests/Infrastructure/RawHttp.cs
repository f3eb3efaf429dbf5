using System.Net.Sockets;
using System.Text;

namespace EdgeCache.Tests.Infrastructure;

/// <summary>
/// Sends a request exactly as written, byte for byte, over a plain socket: what a hostile client
/// sends (an empty or doubled Host, a target HttpClient would re-encode) and HttpClient cannot.
/// </summary>
internal static class RawHttp
{
    internal sealed record Response(int Status, string Head, string Body)
    {
        public string? Header(string name)
        {
            foreach (var line in Head.Split("\r\n").Skip(1))
            {
                var colon = line.IndexOf(':');
                if (colon > 0 && line[..colon].Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return line[(colon + 1)..].Trim();
                }
            }
            return null;
        }
    }

    /// <summary>Sends <paramref name="head"/> (request line and fields, CRLF-separated, without the blank line) with <c>Connection: close</c>, reads the whole answer.</summary>
    public static async Task<Response> SendAsync(Uri server, string head)
    {
        var text = Encoding.UTF8.GetString(await SendForBytesAsync(server, head));
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var responseHead = end < 0 ? text : text[..end];
        var body = end < 0 ? "" : text[(end + 4)..];
        var status = int.Parse(responseHead.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return new Response(status, responseHead, body);
    }

    /// <summary>As <see cref="SendAsync"/>, the answer as the bytes that arrived.</summary>
    public static async Task<byte[]> SendForBytesAsync(Uri server, string head)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + "\r\nConnection: close\r\n\r\n"), timeout.Token);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, timeout.Token);
        return buffer.ToArray();
    }
}
