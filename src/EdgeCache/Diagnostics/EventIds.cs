namespace EdgeCache.Diagnostics;

/// <summary>
/// Every log event EdgeCache writes, in one place (YARP's <c>EventIds</c> habit): the numbers are
/// fixed, so alerts and log queries can rely on them. The README's "Logs" section lists each one
/// (a test holds them together).
/// </summary>
internal static class EventIds
{
    // Request path
    public const int OriginFetchFailed = 1001;
    public const int ServedStale = 1002;
    public const int BackgroundRefreshFailed = 1003;
    public const int RequestRefused = 1010;
    public const int ClientBodyMalformed = 1011;
    public const int EntryNotStorable = 1012;
    public const int AccessLogDropped = 1013;
    public const int AccessLogOutputFailed = 1014;

    // Storage
    public const int DiskCorruptEntry = 2001;
    public const int DiskScanCompleted = 2002;
    public const int DiskScanFailed = 2003;
    public const int DiskDeleteFailed = 2005;
    public const int DiskScanSkipped = 2006;
    public const int DiskFull = 2007;
    public const int StoreError = 2010;
    public const int PersistentWriteDropped = 2011;
    public const int ShutdownWritesLost = 2012;
    public const int RedisDown = 2020;
    public const int RedisUp = 2021;
    public const int RedisCorruptEntry = 2022;
    public const int RedisBadPurgeMessage = 2023;
    public const int RedisSkipped = 2024;
    public const int RedisAnswering = 2025;
    public const int RedisProbeFailed = 2026;

    // Origin health
    public const int OriginDown = 3001;
    public const int OriginUp = 3002;
    public const int DegradedEntered = 3003;
    public const int DegradedLeft = 3004;
    public const int ProbeFailed = 3006;
    public const int BackupEntered = 3007;
    public const int BackupLeft = 3008;

    // Templates
    public const int TemplatesReloaded = 4001;
    public const int TemplateReloadRejected = 4002;
    public const int TemplateReloadFailed = 4003;
    public const int NoTemplates = 4004;
    public const int TemplatesReady = 4005;
    public const int TemplateStartupError = 4006;
    public const int TemplateRenderFailed = 4010;

    // Purges
    public const int Purged = 5001;
    public const int PurgePublishFailed = 5002;
    public const int MemoryClearedOnReconnect = 5003;
    public const int PurgeIncomplete = 5004;
    public const int Invalidated = 5005;
    public const int InvalidationIncomplete = 5006;

    // Outage coverage
    public const int CoverageFailed = 6001;
    public const int CoverageLookupFailed = 6002;

    // Warming
    public const int WarmingCycle = 7001;
    public const int WarmingProgress = 7002;
    public const int WarmingPaused = 7003;
    public const int WarmingResumed = 7004;
    public const int SitemapFailed = 7005;
    public const int WarmingCycleFailed = 7006;

    // Metrics
    public const int MetricsReadFailed = 8001;

    // Configuration
    public const int ConfigReloaded = 9001;
    public const int ConfigReloadRejected = 9002;

    // Status page
    public const int NoticePosted = 9101;
    public const int NoticeRemoved = 9102;
}
