namespace EdgeCache.Caching.Policy;

/// <summary>What a reader is sent of a stored response: all of it, one byte range, or a 416.</summary>
internal enum RangeOutcome : byte
{
    /// <summary>The whole response with its own status (no Range, or a Range that is ignored).</summary>
    Full,

    /// <summary><c>206 Partial Content</c> with one range.</summary>
    Partial,

    /// <summary><c>416 Range Not Satisfiable</c> with <c>Content-Range: bytes */length</c>.</summary>
    NotSatisfiable,
}
