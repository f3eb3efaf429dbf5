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

    /// <summary>An unexpected start-up failure in one line: its message and those of the exceptions inside it.</summary>
    public static string Messages(Exception exception)
    {
        var messages = new List<string>();
        void Add(Exception e)
        {
            var message = e.Message.ReplaceLineEndings(" ");
            if (!messages.Any(m => m.Contains(message, StringComparison.Ordinal)))
            {
                messages.Add(message);
            }
            if (e is AggregateException aggregate)
            {
                aggregate.InnerExceptions.ToList().ForEach(Add);
            }
            else if (e.InnerException is { } inner)
            {
                Add(inner);
            }
        }
        Add(exception);
        return string.Join(" ", messages);
    }
}
