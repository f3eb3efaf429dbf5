using System.Globalization;

namespace EdgeCache.Caching.Policy;

/// <summary>
/// RFC 8941 section 4.2.2: a Structured Field Dictionary, strictly. Any error fails the whole
/// field (null), as the RFC requires; RFC 9213 then ignores the field as if absent, so a
/// half-understood targeted field can never grant freshness. Parameters are parsed (they must be
/// well formed) and dropped. Duplicate keys: the last value wins, in the first one's place.
/// </summary>
internal static class StructuredFieldParser
{
    /// <summary>The members, in order, or null when <paramref name="field"/> is not a valid Dictionary.</summary>
    public static List<KeyValuePair<string, StructuredItem>>? ParseDictionary(string field)
    {
        var parser = new Cursor(field);
        var members = new List<KeyValuePair<string, StructuredItem>>();
        // Where each key sits: a hostile origin's field of thousands of distinct keys (64 KB of
        // "a,b,c,...") is parsed in linear time, not by searching the list once per member.
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            foreach (var c in field)
            {
                if (c > 0x7E || (c < 0x20 && c != '\t'))
                {
                    return null; // RFC 8941 4.2 step 1: not ASCII text
                }
            }
            parser.SkipSpaces(); // leading SP only
            var end = field.Length;
            while (end > parser.Position && field[end - 1] == ' ')
            {
                end--; // trailing SP
            }
            parser.End = end;
            while (!parser.AtEnd)
            {
                var key = parser.Key();
                StructuredItem value;
                if (parser.TryConsume('='))
                {
                    value = parser.ItemOrInnerList();
                }
                else
                {
                    value = StructuredItem.True;
                    parser.Parameters();
                }
                if (positions.TryGetValue(key, out var existing))
                {
                    members[existing] = new(key, value);
                }
                else
                {
                    positions[key] = members.Count;
                    members.Add(new(key, value));
                }
                parser.SkipOptionalWhitespace();
                if (parser.AtEnd)
                {
                    return members;
                }
                if (!parser.TryConsume(','))
                {
                    return null;
                }
                parser.SkipOptionalWhitespace();
                if (parser.AtEnd)
                {
                    return null; // a trailing comma
                }
            }
            return members;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private sealed class Cursor(string text)
    {
        public int Position;
        public int End = text.Length;

        public bool AtEnd => Position >= End;

        private char Peek => Position < End ? text[Position] : '\0';

        public bool TryConsume(char c)
        {
            if (Peek == c && !AtEnd)
            {
                Position++;
                return true;
            }
            return false;
        }

        public void SkipSpaces()
        {
            while (!AtEnd && text[Position] == ' ')
            {
                Position++;
            }
        }

        public void SkipOptionalWhitespace()
        {
            while (!AtEnd && text[Position] is ' ' or '\t')
            {
                Position++;
            }
        }

        private static FormatException Fail() => new();

        /// <summary>key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" )</summary>
        public string Key()
        {
            var start = Position;
            if (AtEnd || !(Peek is >= 'a' and <= 'z' or '*'))
            {
                throw Fail();
            }
            Position++;
            while (!AtEnd && Peek is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-' or '.' or '*')
            {
                Position++;
            }
            return text[start..Position];
        }

        public StructuredItem ItemOrInnerList() => Peek == '(' && !AtEnd ? InnerList() : Item();

        private StructuredItem InnerList()
        {
            Position++; // (
            var items = new List<StructuredItem>();
            while (!AtEnd)
            {
                SkipSpaces();
                if (TryConsume(')'))
                {
                    Parameters();
                    return new StructuredItem(StructuredType.InnerList, items.ToArray());
                }
                items.Add(Item());
                if (AtEnd || Peek is not (' ' or ')'))
                {
                    throw Fail();
                }
            }
            throw Fail(); // no closing parenthesis
        }

        private StructuredItem Item()
        {
            var item = BareItem();
            Parameters();
            return item;
        }

        public void Parameters()
        {
            while (TryConsume(';'))
            {
                SkipSpaces();
                Key();
                if (TryConsume('='))
                {
                    BareItem();
                }
            }
        }

        private StructuredItem BareItem()
        {
            if (AtEnd)
            {
                throw Fail();
            }
            return Peek switch
            {
                '-' or (>= '0' and <= '9') => Number(),
                '"' => String(),
                '*' or (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') => Token(),
                ':' => ByteSequence(),
                '?' => Boolean(),
                _ => throw Fail(),
            };
        }

        /// <summary>RFC 8941 4.2.4: at most 15 integer digits; a decimal at most 12 before the point and 3 after.</summary>
        private StructuredItem Number()
        {
            var negative = TryConsume('-');
            if (AtEnd || Peek is not (>= '0' and <= '9'))
            {
                throw Fail();
            }
            var digitsStart = Position;
            var pointAt = -1;
            while (!AtEnd)
            {
                var c = Peek;
                if (c is >= '0' and <= '9')
                {
                    Position++;
                }
                else if (c == '.' && pointAt < 0)
                {
                    if (Position - digitsStart > 12)
                    {
                        throw Fail();
                    }
                    pointAt = Position;
                    Position++;
                }
                else
                {
                    break;
                }
                var length = Position - digitsStart;
                if ((pointAt < 0 && length > 15) || (pointAt >= 0 && length > 16))
                {
                    throw Fail();
                }
            }
            var literal = text[digitsStart..Position];
            if (pointAt < 0)
            {
                var integer = long.Parse(literal, NumberStyles.None, CultureInfo.InvariantCulture);
                return new StructuredItem(StructuredType.Integer, negative ? -integer : integer);
            }
            var fraction = Position - pointAt - 1;
            if (fraction is < 1 or > 3)
            {
                throw Fail(); // "1." or more than three fractional digits
            }
            var value = decimal.Parse(literal, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            return new StructuredItem(StructuredType.Decimal, negative ? -value : value);
        }

        private StructuredItem String()
        {
            Position++; // "
            var value = new System.Text.StringBuilder();
            while (!AtEnd)
            {
                var c = text[Position++];
                if (c == '\\')
                {
                    if (AtEnd || Peek is not ('"' or '\\'))
                    {
                        throw Fail();
                    }
                    value.Append(text[Position++]);
                }
                else if (c == '"')
                {
                    return new StructuredItem(StructuredType.String, value.ToString());
                }
                else if (c is < (char)0x20 or > (char)0x7E)
                {
                    throw Fail();
                }
                else
                {
                    value.Append(c);
                }
            }
            throw Fail(); // no closing quote
        }

        /// <summary>sf-token = ( ALPHA / "*" ) *( tchar / ":" / "/" )</summary>
        private StructuredItem Token()
        {
            var start = Position;
            Position++;
            while (!AtEnd && (IsTchar(Peek) || Peek is ':' or '/'))
            {
                Position++;
            }
            return new StructuredItem(StructuredType.Token, text[start..Position]);
        }

        private StructuredItem ByteSequence()
        {
            Position++; // :
            var start = Position;
            while (!AtEnd && Peek != ':')
            {
                if (Peek is not ((>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '+' or '/' or '='))
                {
                    throw Fail();
                }
                Position++;
            }
            if (!TryConsume(':'))
            {
                throw Fail();
            }
            var base64 = text[start..(Position - 1)];
            var padded = base64.PadRight(base64.Length + ((4 - base64.Length % 4) % 4), '=');
            return new StructuredItem(StructuredType.ByteSequence, Convert.FromBase64String(padded));
        }

        private StructuredItem Boolean()
        {
            Position++; // ?
            if (TryConsume('1'))
            {
                return StructuredItem.True;
            }
            if (TryConsume('0'))
            {
                return new StructuredItem(StructuredType.Boolean, false);
            }
            throw Fail();
        }

        /// <summary>RFC 9110 5.6.2 tchar.</summary>
        public static bool IsTchar(char c) =>
            c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
                or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
    }

    /// <summary>Whether <paramref name="name"/> is an RFC 9110 token (a valid field name).</summary>
    public static bool IsToken(string name) => name.Length > 0 && name.All(Cursor.IsTchar);
}
