using EdgeCache.Templates;

namespace EdgeCache.Status;

/// <summary>
/// The operators' notices (<c>/admin/notice</c>), shown on the status page and on every branded
/// page through the layout. In memory, per node: post a notice to each node; a restart clears them.
/// At most <see cref="MaxActive"/> at a time; expired ones go when next read.
/// </summary>
internal sealed class NoticeBoard(TimeProvider time)
{
    public const int MaxActive = 20;
    public const int MaxTextLength = 1000;

    private readonly List<Notice> _notices = [];
    private readonly Lock _lock = new();
    private long _lastId;

    /// <summary>Posts a notice; null when <see cref="MaxActive"/> are already up.</summary>
    /// <param name="site">A host (lower case, no port), or null for every site.</param>
    public Notice? TryAdd(string text, string? site, DateTimeOffset? expires)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            Expire(now);
            if (_notices.Count >= MaxActive)
            {
                return null;
            }
            var notice = new Notice((++_lastId).ToString(System.Globalization.CultureInfo.InvariantCulture), text, site, now, expires);
            _notices.Add(notice);
            return notice;
        }
    }

    public bool Remove(string id)
    {
        lock (_lock)
        {
            return _notices.RemoveAll(n => n.Id == id) > 0;
        }
    }

    /// <summary>Every active notice, newest first.</summary>
    public IReadOnlyList<Notice> Active()
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            Expire(now);
            return _notices.AsEnumerable().Reverse().ToArray();
        }
    }

    /// <summary>The active notices a page for these hosts shows: every site's and those of any of the hosts, newest first.</summary>
    public IReadOnlyList<Notice> For(IReadOnlyCollection<string> hosts) =>
        Active().Where(n => n.Site is null || hosts.Contains(n.Site, StringComparer.OrdinalIgnoreCase)).ToArray();

    /// <summary>The page models of <paramref name="notices"/>, for the layout.</summary>
    public IReadOnlyList<NoticeModel> Models(IReadOnlyList<Notice> notices)
    {
        if (notices.Count == 0)
        {
            return [];
        }
        var now = time.GetUtcNow();
        return notices.Select(n => new NoticeModel
        {
            Id = n.Id,
            Text = n.Text,
            Site = n.Site,
            Posted = StatusText.Time(n.Posted, now),
            Expires = n.Expires is { } expires ? StatusText.Time(expires, now) : null,
        }).ToArray();
    }

    private void Expire(DateTimeOffset now) => _notices.RemoveAll(n => n.Expires <= now);
}
