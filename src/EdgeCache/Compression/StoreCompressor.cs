using System.IO.Compression;
using EdgeCache.Caching.Entries;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeCache.Compression;

/// <summary>
/// Adds Brotli and gzip forms to an entry as it is stored (<see cref="CompressionPolicy"/> decides
/// which): the work is done once per stored response, never per hit. A form no smaller than the
/// identity body is not kept.
/// </summary>
internal sealed class StoreCompressor(IOptionsMonitor<CompressionOptions> options)
{
    public CacheEntry Compress(CacheEntry entry, IHeaderDictionary originHeaders)
    {
        var current = options.CurrentValue;
        if (entry.Kind != CacheEntryKind.Response
            || CompressionPolicy.SkipReason(entry.StatusCode, originHeaders, entry.Body.Length, current) is not null)
        {
            return entry;
        }
        var forms = new List<EncodedForm>(2);
        if (Brotli(entry.Body.Span, current.BrotliLevel) is { } br)
        {
            forms.Add(new EncodedForm(ContentCoding.Brotli, br, EncodedForm.DeriveETag(entry.ETag, ContentCoding.Brotli)));
        }
        if (Gzip(entry.Body.Span, current.GzipLevel, entry.Body.Length) is { } gzip)
        {
            forms.Add(new EncodedForm(ContentCoding.Gzip, gzip, EncodedForm.DeriveETag(entry.ETag, ContentCoding.Gzip)));
        }
        return forms.Count == 0 ? entry : entry with { Encodings = [.. forms] };
    }

    internal static byte[]? Brotli(ReadOnlySpan<byte> body, int quality)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BrotliEncoder.GetMaxCompressedLength(body.Length));
        try
        {
            if (!BrotliEncoder.TryCompress(body, buffer, out var written, Math.Clamp(quality, 0, 11), WindowBits(body.Length)) || written >= body.Length)
            {
                return null;
            }
            var result = CacheEntry.AllocateBody(written);
            buffer.AsSpan(0, written).CopyTo(result);
            return result;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The smallest Brotli window (RFC 7932 9.1: 2^bits - 16 bytes, 10 to 24 bits) that holds the
    /// whole body: a larger one compresses it no better, while the encoder sizes its ring buffer for
    /// the window it is given and the stream header tells every reader's decoder to be ready for it.
    /// (At qualities 0, 1 and 10 and up the encoder may raise it on its own; any window decodes.)
    /// </summary>
    internal static int WindowBits(int length) => Math.Clamp(System.Numerics.BitOperations.Log2((uint)length + 15) + 1, 10, 24);

    internal static byte[]? Gzip(ReadOnlySpan<byte> body, int level, int identityLength)
    {
        using var stream = new MemoryStream(identityLength / 2 + 64);
        using (var gzip = new GZipStream(stream, new ZLibCompressionOptions { CompressionLevel = Math.Clamp(level, 0, 9) }, leaveOpen: true))
        {
            gzip.Write(body);
        }
        if (stream.Length >= identityLength)
        {
            return null;
        }
        var result = CacheEntry.AllocateBody((int)stream.Length);
        stream.GetBuffer().AsSpan(0, (int)stream.Length).CopyTo(result);
        return result;
    }
}
