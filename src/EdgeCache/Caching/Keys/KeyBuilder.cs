using System.Buffers;
using System.Globalization;

namespace EdgeCache.Caching.Keys;

/// <summary>
/// Builds a key in a caller-provided buffer (usually on the stack), growing into a pooled array
/// when it outgrows it, so that a lookup by key allocates nothing unless a string is asked for.
/// </summary>
internal ref struct KeyBuilder
{
    private char[]? _rented;
    private Span<char> _chars;
    private int _length;

    public KeyBuilder(Span<char> initial)
    {
        _chars = initial;
    }

    public readonly ReadOnlySpan<char> Span => _chars[.._length];

    public void Append(char value)
    {
        if (_length == _chars.Length)
        {
            Grow(1);
        }
        _chars[_length++] = value;
    }

    public void Append(scoped ReadOnlySpan<char> value)
    {
        if (_length + value.Length > _chars.Length)
        {
            Grow(value.Length);
        }
        value.CopyTo(_chars[_length..]);
        _length += value.Length;
    }

    public void AppendLowerInvariant(scoped ReadOnlySpan<char> value)
    {
        if (_length + value.Length > _chars.Length)
        {
            Grow(value.Length);
        }
        value.ToLowerInvariant(_chars[_length..]);
        _length += value.Length;
    }

    public void Append(int value)
    {
        int written;
        while (!value.TryFormat(_chars[_length..], out written, default, CultureInfo.InvariantCulture))
        {
            Grow(11);
        }
        _length += written;
    }

    public override readonly string ToString() => new(Span);

    /// <summary>Returns the pooled array, if one was taken.</summary>
    public void Dispose()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private void Grow(int needed)
    {
        var larger = ArrayPool<char>.Shared.Rent(Math.Max(_chars.Length * 2, _length + needed));
        _chars[.._length].CopyTo(larger);
        Dispose();
        _rented = larger;
        _chars = larger;
    }
}
