using System.Text;
using System.Text.RegularExpressions;

namespace EdgeCache.Rules;

/// <summary>A compiled glob: <c>*</c> matches any run of characters, <c>?</c> exactly one.</summary>
internal sealed class Glob
{
    private readonly Regex _regex;

    public Glob(string pattern, bool ignoreCase)
    {
        Pattern = pattern;
        var sb = new StringBuilder("^");
        foreach (var c in pattern)
        {
            sb.Append(c switch
            {
                '*' => ".*",
                '?' => ".",
                _ => Regex.Escape(c.ToString()),
            });
        }
        sb.Append('$');
        var options = RegexOptions.CultureInvariant | RegexOptions.Compiled | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        _regex = new Regex(sb.ToString(), options);
    }

    public string Pattern { get; }

    public bool IsMatch(ReadOnlySpan<char> value) => _regex.IsMatch(value);
}
