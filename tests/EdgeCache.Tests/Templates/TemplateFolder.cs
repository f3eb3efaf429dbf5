using EdgeCache.Tests.Infrastructure;

namespace EdgeCache.Tests.Templates;

/// <summary>Template folders for tests: new ones, copies of the repository's, and edits the way deployment tools make them.</summary>
internal static class TemplateFolder
{
    /// <summary>A new folder named <c>templates</c> (as error messages show it) holding <paramref name="files"/>.</summary>
    public static string Create(params (string Name, string Text)[] files)
    {
        var root = Path.Combine(TempDirectory.Create("edgecache-templates"), "templates");
        Directory.CreateDirectory(root);
        foreach (var (name, text) in files)
        {
            Write(root, name, text);
        }
        return root;
    }

    /// <summary>A copy of the repository's templates, plus <paramref name="files"/>.</summary>
    public static string CopyOfRepository(params (string Name, string Text)[] files)
    {
        var root = Create();
        foreach (var file in Directory.EnumerateFiles(TestProxy.RepositoryTemplates, "*", SearchOption.AllDirectories))
        {
            Write(root, Path.GetRelativePath(TestProxy.RepositoryTemplates, file), File.ReadAllText(file));
        }
        foreach (var (name, text) in files)
        {
            Write(root, name, text);
        }
        return root;
    }

    /// <summary>Replaces a file in one step (write beside it, then rename), as deployment tools do.</summary>
    public static void Replace(string root, string name, string text)
    {
        var path = Path.Combine(root, name);
        File.WriteAllText(path + ".new", text);
        File.Move(path + ".new", path, overwrite: true);
    }

    private static void Write(string root, string name, string text)
    {
        var path = Path.Combine(root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
