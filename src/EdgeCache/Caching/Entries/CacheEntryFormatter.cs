using System.Buffers.Binary;
using System.Text;

namespace EdgeCache.Caching.Entries;

/// <summary>
/// The binary form of a <see cref="CacheEntry"/>, shared by the persistent stores:
/// <code>
/// "ECE4" | int32 total length | metadata (kind, key, owner, ...) and headers
///        | byte form count | per encoded form: byte coding, int32 length, bytes | int32 body length | body | uint32 CRC-32C
/// </code>
/// The checksum covers every byte before it, so a truncated or corrupted entry is detected and
/// never served.
/// </summary>
internal static class CacheEntryFormatter
{
    // "ECE1" entries were written before responses to cookie requests and responses without
    // freshness were kept from other readers: some may hold a private page, so they are never read.
    // "ECE2" entries do not say which site's origin answered them: they are misses, and dropped.
    // "ECE3" entries hold no encoded forms: read as misses (refetched and compressed), not as corruption.
    private static readonly byte[] Magic = "ECE4"u8.ToArray();
    private static readonly byte[][] EarlierMagics = ["ECE1"u8.ToArray(), "ECE2"u8.ToArray(), "ECE3"u8.ToArray()];
    private const int PrefixLength = 8;
    private const int ChecksumLength = 4;

    public static byte[] Serialize(CacheEntry entry)
    {
        using var stream = new MemoryStream(entry.Body.Length + entry.Encodings.Sum(form => form.Body.Length) + 1024);
        stream.Write(Magic);
        stream.Write(stackalloc byte[4]); // total length, patched below
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((byte)entry.Kind);
            writer.Write(entry.Key);
            writer.Write(entry.Owner);
            writer.Write(entry.StatusCode);
            writer.Write(entry.ResponseTime.UtcTicks);
            writer.Write(entry.InitialAge.Ticks);
            writer.Write(entry.FreshnessLifetime.Ticks);
            writer.Write(entry.StaleWhileRevalidate.Ticks);
            writer.Write(entry.StaleIfError.Ticks);
            writer.Write((byte)entry.Flags);
            WriteNullable(writer, entry.ETag);
            WriteNullable(writer, entry.LastModified);
            WriteStrings(writer, entry.Tags);
            WriteStrings(writer, entry.VaryHeaders);
            writer.Write(entry.Headers.Length);
            foreach (var header in entry.Headers)
            {
                writer.Write(header.Key);
                WriteStrings(writer, header.Value);
            }
            writer.Write((byte)entry.Encodings.Length);
            foreach (var form in entry.Encodings)
            {
                writer.Write((byte)form.Coding);
                writer.Write(form.Body.Length);
                writer.Write(form.Body.Span);
            }
            writer.Write(entry.Body.Length);
            writer.Write(entry.Body.Span);
        }
        stream.Write(stackalloc byte[ChecksumLength]);
        var bytes = stream.GetBuffer();
        var length = (int)stream.Length;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), length);
        var crc = Crc32C.Compute(bytes.AsSpan(0, length - ChecksumLength));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(length - ChecksumLength), crc);
        return length == bytes.Length ? bytes : bytes.AsSpan(0, length).ToArray();
    }

    /// <summary>
    /// Parses and verifies an entry; null when the bytes are truncated, corrupt or not an entry.
    /// The entry's body refers to <paramref name="data"/> without copying it.
    /// </summary>
    public static CacheEntry? Deserialize(byte[] data)
    {
        if (data.Length < PrefixLength + ChecksumLength
            || !data.AsSpan(0, 4).SequenceEqual(Magic)
            || BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(4)) != data.Length)
        {
            return null;
        }
        var expected = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(data.Length - ChecksumLength));
        if (Crc32C.Compute(data.AsSpan(0, data.Length - ChecksumLength)) != expected)
        {
            return null;
        }
        try
        {
            using var stream = new MemoryStream(data, PrefixLength, data.Length - PrefixLength - ChecksumLength, writable: false);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            var kind = (CacheEntryKind)reader.ReadByte();
            var key = reader.ReadString();
            var owner = reader.ReadString();
            var status = reader.ReadInt32();
            var responseTime = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
            var initialAge = new TimeSpan(reader.ReadInt64());
            var lifetime = new TimeSpan(reader.ReadInt64());
            var swr = new TimeSpan(reader.ReadInt64());
            var sie = new TimeSpan(reader.ReadInt64());
            var flags = (CacheEntryFlags)reader.ReadByte();
            var etag = ReadNullable(reader);
            var lastModified = ReadNullable(reader);
            var tags = ReadStrings(reader);
            var vary = ReadStrings(reader);
            var headerCount = reader.ReadInt32();
            if (headerCount < 0 || headerCount > 10_000)
            {
                return null;
            }
            var headers = new KeyValuePair<string, string[]>[headerCount];
            for (var i = 0; i < headerCount; i++)
            {
                headers[i] = new(reader.ReadString(), ReadStrings(reader));
            }
            var formCount = reader.ReadByte();
            if (formCount > 2)
            {
                return null;
            }
            var encodings = new EncodedForm[formCount];
            for (var i = 0; i < formCount; i++)
            {
                var coding = (ContentCoding)reader.ReadByte();
                var length = reader.ReadInt32();
                var offset = PrefixLength + (int)stream.Position;
                if (coding is not (ContentCoding.Brotli or ContentCoding.Gzip) || length < 0 || offset + length > data.Length - ChecksumLength)
                {
                    return null;
                }
                encodings[i] = new EncodedForm(coding, new ReadOnlyMemory<byte>(data, offset, length), EncodedForm.DeriveETag(etag, coding));
                stream.Seek(length, SeekOrigin.Current);
            }
            var bodyLength = reader.ReadInt32();
            var bodyOffset = PrefixLength + (int)stream.Position;
            if (bodyLength < 0 || bodyOffset + bodyLength != data.Length - ChecksumLength)
            {
                return null;
            }
            return new CacheEntry
            {
                Kind = kind,
                Key = key,
                Owner = owner,
                StatusCode = status,
                ResponseTime = responseTime,
                InitialAge = initialAge,
                FreshnessLifetime = lifetime,
                StaleWhileRevalidate = swr,
                StaleIfError = sie,
                Flags = flags,
                ETag = etag,
                LastModified = lastModified,
                Tags = tags,
                VaryHeaders = vary,
                Headers = headers,
                Encodings = encodings,
                Body = new ReadOnlyMemory<byte>(data, bodyOffset, bodyLength),
            };
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Bytes an earlier EdgeCache wrote (its format is not read): a miss to drop quietly, not
    /// corruption to report.
    /// </summary>
    public static bool IsEarlierFormat(ReadOnlySpan<byte> data)
    {
        foreach (var magic in EarlierMagics)
        {
            if (data.StartsWith(magic))
            {
                return true;
            }
        }
        return false;
    }

    private static void WriteNullable(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null)
        {
            writer.Write(value);
        }
    }

    private static string? ReadNullable(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;

    private static void WriteStrings(BinaryWriter writer, string[] values)
    {
        writer.Write(values.Length);
        foreach (var value in values)
        {
            writer.Write(value);
        }
    }

    private static string[] ReadStrings(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count is < 0 or > 10_000)
        {
            throw new FormatException("string list length out of range");
        }
        var values = new string[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = reader.ReadString();
        }
        return values;
    }
}
