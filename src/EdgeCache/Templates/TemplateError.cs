namespace EdgeCache.Templates;

/// <summary>One reason a template does not compile: the file (under the templates folder's name), the line (1-based) and what is wrong.</summary>
internal sealed record TemplateError(string File, int Line, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Message}";
}
