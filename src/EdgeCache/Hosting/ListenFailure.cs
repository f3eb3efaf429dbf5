using System.Net.Sockets;

namespace EdgeCache.Hosting;

/// <summary>The start-up failures an operator causes by configuration, in one line each; null for anything else.</summary>
internal static class ListenFailure
{
    public static string? Describe(Exception exception)
    {
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }
        SocketException? socket = null;
        for (var inner = exception; inner is not null && socket is null; inner = inner.InnerException)
        {
            socket = inner as SocketException;
        }
        return exception switch
        {
            IOException when socket?.SocketErrorCode == SocketError.AddressAlreadyInUse =>
                $"{exception.Message.TrimEnd('.')}: another process listens there; choose another port (--urls, --management-urls)",
            IOException when socket?.SocketErrorCode == SocketError.AddressNotAvailable =>
                $"{exception.Message.TrimEnd('.')}: the address is not one of this machine's (--urls, --management-urls)",
            IOException when socket?.SocketErrorCode == SocketError.AccessDenied =>
                $"{exception.Message.TrimEnd('.')}: ports below 1024 need privileges (or a capability such as CAP_NET_BIND_SERVICE)",
            InvalidOperationException when exception.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase) =>
                $"{exception.Message.ReplaceLineEndings(" ")} An https:// listener needs a certificate: set Kestrel:Certificates:Default:Path (with :KeyPath for PEM, :Password for PFX).",
            _ => null,
        };
    }
}
