namespace EdgeCache.Status;

/// <summary>An operator's notice: plain text for one host's pages (or every site's when <paramref name="Site"/> is null), until <paramref name="Expires"/> or deleted.</summary>
internal sealed record Notice(string Id, string Text, string? Site, DateTimeOffset Posted, DateTimeOffset? Expires);
