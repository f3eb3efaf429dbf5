using System.Text;
using EdgeCache.Caching.Entries;

namespace EdgeCache.Tests.Caching.Entries;

public sealed class CacheEntryFormatterTests
{
    private static CacheEntry Sample() => new()
    {
        Key = "GET http://e.com/a",
        Owner = "origin http://127.0.0.1:9100/",
        StatusCode = 200,
        Headers = [new("Content-Type", ["text/html"]), new("X-Multi", ["a", "b"])],
        Body = Encoding.UTF8.GetBytes("<p>hello</p>"),
        ResponseTime = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero),
        InitialAge = TimeSpan.FromSeconds(3),
        FreshnessLifetime = TimeSpan.FromMinutes(5),
        StaleWhileRevalidate = TimeSpan.FromSeconds(30),
        StaleIfError = TimeSpan.FromDays(1),
        Flags = CacheEntryFlags.NoCache,
        ETag = "\"v1\"",
        LastModified = "Sat, 21 Nov 2026 12:00:00 GMT",
        Tags = ["news", "front"],
        VaryHeaders = ["accept-language"],
    };

    [Theory]
    [InlineData("caf\u00c3\u00a9")] // an origin's UTF-8 bytes, as HttpClient and Kestrel see them (Latin-1)
    [InlineData("caf\u00e9")]
    public void Deserialize_NonAsciiHeaderValue_RoundTripsTheValue(string value)
    {
        var original = Sample() with { Headers = [new("X-Name", [value])] };

        var copy = CacheEntryFormatter.Deserialize(CacheEntryFormatter.Serialize(original));

        Assert.NotNull(copy);
        Assert.Equal(value, Assert.Single(copy.Headers).Value.Single());
    }

    [Fact]
    public void Deserialize_Serialized_RoundTripsEveryField()
    {
        var original = Sample();

        var copy = CacheEntryFormatter.Deserialize(CacheEntryFormatter.Serialize(original));

        Assert.NotNull(copy);
        Assert.Equal(original.Key, copy.Key);
        Assert.Equal(original.Owner, copy.Owner);
        Assert.Equal(original.StatusCode, copy.StatusCode);
        Assert.Equal(original.Body.ToArray(), copy.Body.ToArray());
        Assert.Equal(original.ResponseTime, copy.ResponseTime);
        Assert.Equal(original.InitialAge, copy.InitialAge);
        Assert.Equal(original.FreshnessLifetime, copy.FreshnessLifetime);
        Assert.Equal(original.StaleWhileRevalidate, copy.StaleWhileRevalidate);
        Assert.Equal(original.StaleIfError, copy.StaleIfError);
        Assert.Equal(original.Flags, copy.Flags);
        Assert.Equal(original.ETag, copy.ETag);
        Assert.Equal(original.LastModified, copy.LastModified);
        Assert.Equal(original.Tags, copy.Tags);
        Assert.Equal(original.VaryHeaders, copy.VaryHeaders);
        Assert.Equal(["a", "b"], copy.Headers[1].Value);
    }

    [Theory]
    [InlineData("ECE1")]
    [InlineData("ECE2")]
    [InlineData("ECE3")]
    public void Deserialize_EarlierFormat_NotReadButKnownAsEarlier(string magic)
    {
        // An entry as the previous format wrote it: the same layout without the owner.
        var bytes = CacheEntryFormatter.Serialize(Sample() with { Owner = "" });
        Encoding.ASCII.GetBytes(magic).CopyTo(bytes, 0);

        Assert.Null(CacheEntryFormatter.Deserialize(bytes));
        Assert.True(CacheEntryFormatter.IsEarlierFormat(bytes));
        Assert.False(CacheEntryFormatter.IsEarlierFormat(CacheEntryFormatter.Serialize(Sample())));
        Assert.False(CacheEntryFormatter.IsEarlierFormat("garbage"u8));
    }

    [Fact]
    public void Deserialize_EncodedForms_RoundTripWithTheirOwnValidators()
    {
        var original = Sample() with
        {
            Encodings =
            [
                new EncodedForm(ContentCoding.Brotli, new byte[] { 1, 2, 3 }, "\"v1-br\""),
                new EncodedForm(ContentCoding.Gzip, new byte[] { 4, 5 }, "\"v1-gzip\""),
            ],
        };

        var copy = CacheEntryFormatter.Deserialize(CacheEntryFormatter.Serialize(original));

        Assert.NotNull(copy);
        Assert.Equal(original.Body.ToArray(), copy.Body.ToArray());
        Assert.Equal([ContentCoding.Brotli, ContentCoding.Gzip], copy.Encodings.Select(form => form.Coding));
        Assert.Equal([1, 2, 3], copy.Encodings[0].Body.ToArray());
        Assert.Equal([4, 5], copy.Encodings[1].Body.ToArray());
        Assert.Equal(["\"v1-br\"", "\"v1-gzip\""], copy.Encodings.Select(form => form.ETag));
    }

    [Fact]
    public void Deserialize_AnyFlippedByte_Rejected()
    {
        var bytes = CacheEntryFormatter.Serialize(Sample());
        for (var i = 0; i < bytes.Length; i++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[i] ^= 0x20;
            Assert.Null(CacheEntryFormatter.Deserialize(damaged));
        }
    }

    [Fact]
    public void Deserialize_Truncated_Rejected()
    {
        var bytes = CacheEntryFormatter.Serialize(Sample());
        for (var length = 0; length < bytes.Length; length += 7)
        {
            Assert.Null(CacheEntryFormatter.Deserialize(bytes[..length]));
        }
    }

    [Fact]
    public void Crc32C_KnownVector_Matches() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
}
