namespace EdgeCache.Caching.Policy;

/// <summary>The type of a Structured Field member (RFC 8941 section 3).</summary>
internal enum StructuredType
{
    Integer,
    Decimal,
    String,
    Token,
    ByteSequence,
    Boolean,

    /// <summary>An inner list: <see cref="StructuredItem.Value"/> is a <see cref="StructuredItem"/> array.</summary>
    InnerList,
}

/// <summary>
/// One member of a Structured Field Dictionary, its parameters left out: RFC 9213 2.1 says
/// parameters on cache directives are ignored, so nothing reads them.
/// </summary>
/// <param name="Type">Its type.</param>
/// <param name="Value"><see cref="long"/>, <see cref="decimal"/>, <see cref="string"/> (string, token), <see cref="byte"/>[], <see cref="bool"/>, or <see cref="StructuredItem"/>[].</param>
internal readonly record struct StructuredItem(StructuredType Type, object Value)
{
    /// <summary>A bare key's value (<c>no-store</c>): Boolean true.</summary>
    public static readonly StructuredItem True = new(StructuredType.Boolean, true);

    public bool IsTrue => Type == StructuredType.Boolean && (bool)Value;
}
