using System.Text;
using RazorLight.Razor;

namespace EdgeCache.Templates;

/// <summary>
/// The templates as read once from disk: a set compiles from one consistent snapshot, so a file
/// saved halfway through a compile cannot mix two versions (the watcher compiles again after it).
/// Keys are template names (<c>errors/503</c>); a name not in the snapshot does not exist, so no
/// key can reach a file outside the templates folder.
/// </summary>
internal sealed class TemplateProject(IReadOnlyDictionary<string, string> sources) : RazorLightProject
{
    public override Task<RazorLightProjectItem> GetItemAsync(string templateKey) =>
        Task.FromResult<RazorLightProjectItem>(new Item(templateKey, sources.GetValueOrDefault(templateKey)));

    public override Task<IEnumerable<RazorLightProjectItem>> GetImportsAsync(string templateKey) =>
        Task.FromResult(Enumerable.Empty<RazorLightProjectItem>());

    public override Task<IEnumerable<string>> GetKnownKeysAsync() => Task.FromResult<IEnumerable<string>>(sources.Keys);

    // Not RazorLight's TextSourceRazorProjectItem: for that type it skips the default imports
    // (System.Linq, and EdgeCache.Templates for the models).
    private sealed class Item(string key, string? source) : RazorLightProjectItem
    {
        public override string Key { get; } = key;

        public override bool Exists => source is not null;

        public override Stream Read() => new MemoryStream(Encoding.UTF8.GetBytes(source ?? ""));
    }
}
