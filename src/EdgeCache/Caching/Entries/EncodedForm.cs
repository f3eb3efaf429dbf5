namespace EdgeCache.Caching.Entries;

/// <summary>A content coding the cache stores a form of a response in (RFC 9110 8.4.1).</summary>
internal enum ContentCoding : byte
{
    Identity = 0,
    Brotli = 1,
    Gzip = 2,
}

/// <summary>
/// An encoded form of a stored response, made once when stored, beside the identity body. Its
/// <see cref="ETag"/> is the entry's with the coding appended inside the quotes (RFC 9110 8.8.3: a
/// different representation must not carry the identity form's strong validator); the origin's own
/// validator stays on the entry for revalidation.
/// </summary>
internal sealed record EncodedForm(ContentCoding Coding, ReadOnlyMemory<byte> Body, string? ETag)
{
    /// <summary>The <c>Content-Encoding</c> value.</summary>
    public string Name => NameOf(Coding);

    public static string NameOf(ContentCoding coding) => coding switch
    {
        ContentCoding.Brotli => "br",
        ContentCoding.Gzip => "gzip",
        _ => "identity",
    };

    /// <summary><c>"abc"</c> becomes <c>"abc-br"</c>, <c>W/"abc"</c> becomes <c>W/"abc-br"</c>; null or malformed stays null (no validator).</summary>
    public static string? DeriveETag(string? etag, ContentCoding coding)
    {
        if (etag is null || etag.Length < 2 || etag[^1] != '"')
        {
            return null;
        }
        return string.Concat(etag.AsSpan(0, etag.Length - 1), "-", NameOf(coding), "\"");
    }

    /// <summary>The same forms under a refreshed entry's validator (a 304 may restate it).</summary>
    public static EncodedForm[] Rebase(EncodedForm[] forms, string? etag) =>
        forms.Length == 0 ? forms : [.. forms.Select(form => form with { ETag = DeriveETag(etag, form.Coding) })];
}
