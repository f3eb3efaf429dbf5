using System.Reflection;
using System.Text.RegularExpressions;
using EdgeCache.Diagnostics;
using EdgeCache.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Tests.Diagnostics;

/// <summary>Every log event is in the registry once, and the README's "Logs" table says exactly what the code writes.</summary>
public sealed class EventIdsTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(CommandLine.FindContentRoot(AppContext.BaseDirectory), "README.md"));

    /// <summary>Every [LoggerMessage] in EdgeCache: id, name, level.</summary>
    private static IReadOnlyList<LoggerMessageAttribute> Events() => typeof(EventIds).Assembly.GetTypes()
        .SelectMany(type => type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
        .Select(method => method.GetCustomAttribute<LoggerMessageAttribute>())
        .OfType<LoggerMessageAttribute>()
        .ToList();

    private static Dictionary<string, int> Registry() => typeof(EventIds).GetFields(BindingFlags.Public | BindingFlags.Static)
        .ToDictionary(field => field.Name, field => (int)field.GetRawConstantValue()!);

    [Fact]
    public void LoggerMessages_EachUsesItsOwnRegisteredId()
    {
        var events = Events();
        var registry = Registry();

        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Equal(registry[e.EventName!], e.EventId));
        Assert.Equal(events.Count, events.Select(e => e.EventId).Distinct().Count());
        Assert.Equal(registry.Count, registry.Values.Distinct().Count());
        Assert.Equal(registry.Keys.Order(), events.Select(e => e.EventName!).Order());
    }

    [Fact]
    public void Readme_LogsTableListsEveryEventWithItsLevel()
    {
        var rows = Regex.Matches(Readme, @"^\| (\d+) \| `([A-Za-z]+)` \| ([A-Za-z]+) \|", RegexOptions.Multiline)
            .Select(m => (Id: int.Parse(m.Groups[1].Value), Name: m.Groups[2].Value, Level: m.Groups[3].Value))
            .OrderBy(row => row.Id)
            .ToList();

        var expected = Events().Select(e => (Id: e.EventId, Name: e.EventName!, Level: e.Level.ToString())).OrderBy(e => e.Id).ToList();
        Assert.Equal(expected, rows);
    }
}
