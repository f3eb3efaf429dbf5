using EdgeCache.Status;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCache.Tests.Status;

public sealed class NoticeBoardTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 14, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly NoticeBoard _board;

    public NoticeBoardTests() => _board = new NoticeBoard(_clock);

    [Fact]
    public void Active_PastExpiry_Gone()
    {
        _board.TryAdd("maintenance", null, Start.AddHours(1));
        _board.TryAdd("kept", null, null);

        _clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(["kept", "maintenance"], _board.Active().Select(n => n.Text));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(["kept"], _board.Active().Select(n => n.Text));
    }

    [Fact]
    public void For_EverySitesAndThatHostsOnly()
    {
        _board.TryAdd("all", null, null);
        _board.TryAdd("news", "news.example.com", null);
        _board.TryAdd("shop", "shop.example.com", null);

        Assert.Equal(["news", "all"], _board.For(["news.example.com"]).Select(n => n.Text));
        Assert.Equal(["all"], _board.For(["other.example.com"]).Select(n => n.Text));
    }

    [Fact]
    public void TryAdd_Full_RefusedUntilOneGoes()
    {
        for (var i = 0; i < NoticeBoard.MaxActive; i++)
        {
            Assert.NotNull(_board.TryAdd($"n{i}", null, i == 0 ? Start.AddMinutes(1) : null));
        }

        Assert.Null(_board.TryAdd("one too many", null, null));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.NotNull(_board.TryAdd("room again", null, null));
    }

    [Fact]
    public void Remove_ById()
    {
        var notice = _board.TryAdd("x", null, null)!;

        Assert.True(_board.Remove(notice.Id));
        Assert.False(_board.Remove(notice.Id));
        Assert.Empty(_board.Active());
    }

    [Fact]
    public void Models_HumanTimes()
    {
        _clock.Advance(TimeSpan.FromMinutes(2));
        var notice = _board.TryAdd("x", null, Start.AddHours(2))!;

        var model = Assert.Single(_board.Models([notice]));

        Assert.Equal(("14:02 UTC", "16:00 UTC"), (model.Posted, model.Expires));
    }
}
