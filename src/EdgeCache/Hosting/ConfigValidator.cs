using System.Collections;
using System.Globalization;
using System.Reflection;
using EdgeCache.Admin;
using EdgeCache.Caching;
using EdgeCache.Caching.Stores;
using EdgeCache.Degraded;
using EdgeCache.Rules;
using Microsoft.Extensions.Configuration;

namespace EdgeCache.Hosting;

/// <summary>
/// Checks the whole configuration before anything binds it and returns every problem, each with
/// its configuration path and how to fix it (YARP's ConfigValidator). The <c>EdgeCache</c> section
/// is checked against the options classes themselves, so a misspelt key is reported, not ignored.
/// </summary>
internal static class ConfigValidator
{
    /// <summary>The shape of the <c>EdgeCache</c> section: its keys and their options classes.</summary>
    private static readonly Dictionary<string, Type> EdgeCacheSections = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Cache"] = typeof(CacheOptions),
        ["Storage"] = typeof(StorageOptions),
        ["Rules"] = typeof(List<CacheRuleOptions>),
        ["Degraded"] = typeof(DegradedOptions),
        ["Admin"] = typeof(AdminOptions),
        ["Coverage"] = typeof(Coverage.CoverageOptions),
        ["Warming"] = typeof(Warming.WarmingOptions),
        ["OriginProtection"] = typeof(Protection.OriginProtectionOptions),
        ["AccessLog"] = typeof(AccessLog.AccessLogOptions),
    };

    public static IReadOnlyList<string> Validate(IConfiguration configuration)
    {
        var errors = new List<string>();
        var root = configuration.GetSection(EdgeCacheOptions.Section);
        foreach (var child in root.GetChildren())
        {
            if (EdgeCacheSections.TryGetValue(child.Key, out var type))
            {
                CheckShape(child, type, errors);
            }
            else if (typeof(EdgeCacheOptions).GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { } property)
            {
                CheckValue(child, property.PropertyType, errors);
            }
            else
            {
                errors.Add($"{child.Path}: unknown setting; known settings are {string.Join(", ", KnownTopLevel())}");
            }
        }
        if (errors.Count > 0)
        {
            return errors; // the semantic checks below assume well-typed values
        }

        var options = new EdgeCacheOptions();
        root.Bind(options);
        if (!string.IsNullOrWhiteSpace(options.Origin))
        {
            CheckHttpUri($"{EdgeCacheOptions.Section}:Origin", options.Origin, errors);
        }
        if (!string.IsNullOrWhiteSpace(options.BackupOrigin))
        {
            CheckHttpUri($"{EdgeCacheOptions.Section}:BackupOrigin", options.BackupOrigin, errors);
            if (string.IsNullOrWhiteSpace(options.Origin))
            {
                errors.Add($"{EdgeCacheOptions.Section}:BackupOrigin: needs --origin too; in a ReverseProxy section, mark a destination as backup with \"Metadata\": {{ \"{Origin.OriginHealth.BackupMetadata}\": \"true\" }}");
            }
        }
        foreach (var url in options.ManagementUrls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            CheckHttpUri($"{EdgeCacheOptions.Section}:ManagementUrls", url, errors);
        }

        var cache = root.GetSection("Cache").Get<CacheOptions>() ?? new CacheOptions();
        Positive("EdgeCache:Cache:MaxObjectBytes", cache.MaxObjectBytes, errors);
        if (cache.HeuristicFraction is <= 0 or > 1)
        {
            errors.Add($"EdgeCache:Cache:HeuristicFraction: {cache.HeuristicFraction.ToString(CultureInfo.InvariantCulture)} is out of range; use a fraction in (0, 1], e.g. 0.1");
        }
        NotNegative("EdgeCache:Cache:HeuristicMaxAge", cache.HeuristicMaxAge, errors);
        NotNegative("EdgeCache:Cache:DefaultStaleWhileRevalidate", cache.DefaultStaleWhileRevalidate, errors);
        NotNegative("EdgeCache:Cache:DefaultStaleIfError", cache.DefaultStaleIfError, errors);
        for (var i = 0; i < (cache.TargetedFields?.Count ?? 0); i++)
        {
            var field = cache.TargetedFields![i];
            if (!Caching.Policy.StructuredFieldParser.IsToken(field))
            {
                errors.Add($"EdgeCache:Cache:TargetedFields:{i}: \"{field}\" is not a field name (letters, digits and !#$%&'*+-.^_`|~ only), e.g. \"CDN-Cache-Control\"");
            }
            else if (field.Equals(Microsoft.Net.Http.Headers.HeaderNames.CacheControl, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"EdgeCache:Cache:TargetedFields:{i}: \"{field}\" is not a targeted field; Cache-Control is always read after them");
            }
        }

        var degraded = root.GetSection("Degraded").Get<DegradedOptions>() ?? new DegradedOptions();
        NotNegative("EdgeCache:Degraded:StaleDeadline", degraded.StaleDeadline, errors);
        if (degraded.RetryAfterSeconds < 0)
        {
            errors.Add($"EdgeCache:Degraded:RetryAfterSeconds: {degraded.RetryAfterSeconds} is negative; use seconds, e.g. 30");
        }
        foreach (var status in degraded.FailureStatuses.Where(s => s is < 400 or > 599))
        {
            errors.Add($"EdgeCache:Degraded:FailureStatuses: {status} is not an error status; use 4xx or 5xx codes such as 503");
        }
        if (!degraded.StatusPath.StartsWith('/'))
        {
            errors.Add($"EdgeCache:Degraded:StatusPath: \"{degraded.StatusPath}\" must start with '/', e.g. /_edge/status");
        }
        Positive("EdgeCache:HealthInterval", options.HealthInterval, errors);
        Positive("EdgeCache:HealthTimeout", options.HealthTimeout, errors);
        Positive("EdgeCache:OriginTimeout", options.OriginTimeout, errors);
        if (!options.HealthPath.StartsWith('/'))
        {
            errors.Add($"EdgeCache:HealthPath: \"{options.HealthPath}\" must start with '/', e.g. /health");
        }

        var storage = root.GetSection("Storage").Get<StorageOptions>() ?? new StorageOptions();
        Positive("EdgeCache:Storage:Memory:MaxBytes", storage.Memory.MaxBytes, errors);
        Positive("EdgeCache:Storage:Disk:MaxBytes", storage.Disk.MaxBytes, errors);
        if (storage.Disk.Enabled && string.IsNullOrWhiteSpace(storage.Disk.Path))
        {
            errors.Add("EdgeCache:Storage:Disk:Path: is empty; give a folder (--cache-dir DIR) or set EdgeCache:Storage:Disk:Enabled to false");
        }

        if (storage.Redis.Configuration is { } redis && redis.Trim().Length == 0)
        {
            errors.Add("EdgeCache:Storage:Redis:Configuration: is empty; give host:port (--redis 127.0.0.1:6379) or leave it out for no Redis");
        }
        if (storage.Redis.Timeout <= TimeSpan.Zero)
        {
            errors.Add($"EdgeCache:Storage:Redis:Timeout: {storage.Redis.Timeout} must be longer than zero, e.g. 00:00:00.250");
        }
        var admin = root.GetSection("Admin").Get<AdminOptions>() ?? new AdminOptions();
        if (admin.Token is { Length: > 0 and < 16 })
        {
            errors.Add("EdgeCache:Admin:Token: shorter than 16 characters; use a long random token (e.g. openssl rand -hex 32)");
        }

        var warming = root.GetSection("Warming").Get<Warming.WarmingOptions>() ?? new Warming.WarmingOptions();
        for (var i = 0; i < warming.Sitemaps.Count; i++)
        {
            CheckHttpUri($"EdgeCache:Warming:Sitemaps:{i}", warming.Sitemaps[i], errors);
        }
        for (var i = 0; i < warming.Urls.Count; i++)
        {
            CheckHttpUri($"EdgeCache:Warming:Urls:{i}", warming.Urls[i], errors);
        }
        if (warming.RequestsPerSecond <= 0 || warming.Concurrency <= 0)
        {
            errors.Add("EdgeCache:Warming: RequestsPerSecond and Concurrency must be greater than zero, e.g. 5 and 2");
        }
        Positive("EdgeCache:Warming:Interval", warming.Interval, errors);
        var coverage = root.GetSection("Coverage").Get<Coverage.CoverageOptions>() ?? new Coverage.CoverageOptions();
        Positive("EdgeCache:Coverage:HalfLife", coverage.HalfLife, errors);
        Positive("EdgeCache:Coverage:Interval", coverage.Interval, errors);
        if (coverage.TrackedKeys <= 0)
        {
            errors.Add($"EdgeCache:Coverage:TrackedKeys: {coverage.TrackedKeys} must be greater than zero, e.g. 10000");
        }
        var protection = root.GetSection("OriginProtection").Get<Protection.OriginProtectionOptions>() ?? new Protection.OriginProtectionOptions();
        if (protection.MaxConcurrentRequests < 0 || protection.MaxBackgroundRequests < 0 || protection.QueueLength < 0 || protection.ClientRequestsPerSecond < 0 || protection.ClientBurst < 0)
        {
            errors.Add("EdgeCache:OriginProtection: MaxConcurrentRequests, MaxBackgroundRequests, QueueLength, ClientRequestsPerSecond and ClientBurst cannot be negative (0 turns the cap or the rate limit off)");
        }

        if (root["AccessLog:Format"] is { } format && !AccessLog.AccessLogOptions.IsKnownFormat(format))
        {
            errors.Add($"EdgeCache:AccessLog:Format: \"{format}\" is not a format; use text or json");
        }

        var rules = root.GetSection("Rules").GetChildren().ToList();
        foreach (var ruleSection in rules)
        {
            var rule = ruleSection.Get<CacheRuleOptions>() ?? new CacheRuleOptions();
            var path = ruleSection.Path;
            NotNegative($"{path}:Ttl", rule.Ttl, errors);
            NotNegative($"{path}:StaleWhileRevalidate", rule.StaleWhileRevalidate, errors);
            NotNegative($"{path}:StaleIfError", rule.StaleIfError, errors);
            NoEmptyItems($"{path}:Hosts", rule.Hosts, errors);
            NoEmptyItems($"{path}:Paths", rule.Paths, errors);
            NoEmptyItems($"{path}:IgnoreQueryParameters", rule.IgnoreQueryParameters, errors);
            NoEmptyItems($"{path}:KeyHeaders", rule.KeyHeaders, errors);
            NoEmptyItems($"{path}:KeyCookies", rule.KeyCookies, errors);
            NoEmptyItems($"{path}:Tags", rule.Tags, errors);
            foreach (var p in rule.Paths.Where(p => p.Length > 0 && p[0] != '/' && p[0] != '*'))
            {
                errors.Add($"{path}:Paths: \"{p}\" does not start with '/'; paths are matched from the root, e.g. \"/news/*\"");
            }
        }

        if (string.IsNullOrWhiteSpace(options.Origin))
        {
            ValidateReverseProxy(configuration.GetSection("ReverseProxy"), errors);
        }
        return errors;
    }

    /// <summary>The parts of YARP's configuration a proxy cannot start without, plus what our registry cannot serve.</summary>
    private static void ValidateReverseProxy(IConfigurationSection proxy, List<string> errors)
    {
        var routes = proxy.GetSection("Routes").GetChildren().ToList();
        var clusters = proxy.GetSection("Clusters").GetChildren().ToList();
        if (routes.Count == 0 || clusters.Count == 0)
        {
            errors.Add("ReverseProxy: no routes or no clusters; give --origin http://HOST:PORT, or configure ReverseProxy:Routes and ReverseProxy:Clusters (see README)");
            return;
        }
        var clusterIds = clusters.Select(c => c.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var route in routes)
        {
            var clusterId = route["ClusterId"];
            if (string.IsNullOrWhiteSpace(clusterId))
            {
                errors.Add($"{route.Path}:ClusterId: missing; name one of the clusters ({string.Join(", ", clusterIds)})");
            }
            else if (!clusterIds.Contains(clusterId))
            {
                errors.Add($"{route.Path}:ClusterId: \"{clusterId}\" is not a cluster; known clusters are {string.Join(", ", clusterIds)}");
            }
            if (route["Match:Path"] is null && !route.GetSection("Match:Hosts").GetChildren().Any())
            {
                errors.Add($"{route.Path}:Match: needs a Path (e.g. \"{{**catch-all}}\") or Hosts");
            }
        }
        foreach (var cluster in clusters)
        {
            var destinations = cluster.GetSection("Destinations").GetChildren().ToList();
            if (destinations.Count == 0)
            {
                errors.Add($"{cluster.Path}:Destinations: none; add at least one with an Address");
            }
            foreach (var destination in destinations)
            {
                CheckHttpUri($"{destination.Path}:Address", destination["Address"], errors);
            }
            if (cluster["HealthCheck:AvailableDestinationsPolicy"] is { } policy
                && !string.Equals(policy, Origin.OriginHealth.PolicyName, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{cluster.Path}:HealthCheck:AvailableDestinationsPolicy: \"{policy}\" would hide origin health from EdgeCache's degraded mode; remove it (EdgeCache uses primaries, then backups, then its cache)");
            }
        }
    }

    /// <summary>Checks that every key under <paramref name="section"/> is a property of <paramref name="type"/> with a parsable value.</summary>
    private static void CheckShape(IConfigurationSection section, Type type, List<string> errors)
    {
        if (ListItemType(type) is { } itemType)
        {
            foreach (var item in section.GetChildren())
            {
                if (!int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    errors.Add($"{item.Path}: expected a list (a JSON array), found a key \"{item.Key}\"");
                    continue;
                }
                CheckValue(item, itemType, errors);
            }
            return;
        }
        if (section.Value is not null && !section.GetChildren().Any())
        {
            errors.Add($"{section.Path}: expected a section with settings ({string.Join(", ", PropertyNames(type))}), found a value");
            return;
        }
        foreach (var child in section.GetChildren())
        {
            var property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                errors.Add($"{child.Path}: unknown setting; known settings are {string.Join(", ", PropertyNames(type))}");
                continue;
            }
            CheckValue(child, property.PropertyType, errors);
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, List<string> errors)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string) || underlying.IsPrimitive || underlying == typeof(TimeSpan))
        {
            if (section.GetChildren().Any())
            {
                errors.Add($"{section.Path}: expected a single value, found a section");
                return;
            }
            CheckScalar(section.Path, section.Value, underlying, errors);
            return;
        }
        CheckShape(section, type, errors);
    }

    private static void CheckScalar(string path, string? value, Type type, List<string> errors)
    {
        if (value is null || type == typeof(string))
        {
            return;
        }
        var ok = type switch
        {
            _ when type == typeof(bool) => bool.TryParse(value, out _),
            _ when type == typeof(int) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            _ when type == typeof(long) => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            _ when type == typeof(double) => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            _ when type == typeof(TimeSpan) => TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out _),
            _ => true,
        };
        if (!ok)
        {
            errors.Add($"{path}: \"{value}\" is not {Describe(type)}");
        }
    }

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(TimeSpan) => "a duration; write [d.]hh:mm:ss, e.g. \"00:05:00\" for five minutes",
        _ when type == typeof(double) => "a number, e.g. 0.1",
        _ => "a whole number, e.g. 268435456",
    };

    private static Type? ListItemType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0] : null;

    private static IEnumerable<string> PropertyNames(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name);

    private static IEnumerable<string> KnownTopLevel() =>
        PropertyNames(typeof(EdgeCacheOptions)).Concat(EdgeCacheSections.Keys);

    private static void CheckHttpUri(string path, string? value, List<string> errors)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{path}: \"{value}\" is not an absolute http:// or https:// URL, e.g. http://127.0.0.1:9100");
        }
    }

    private static void Positive(string path, long value, List<string> errors)
    {
        if (value <= 0)
        {
            errors.Add($"{path}: {value} must be greater than zero");
        }
    }

    private static void Positive(string path, TimeSpan value, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{path}: {value} must be longer than zero, e.g. 00:00:02");
        }
    }

    private static void NotNegative(string path, TimeSpan? value, List<string> errors)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add($"{path}: {value} is negative; use a duration of zero or more");
        }
    }

    private static void NoEmptyItems(string path, IList items, List<string> errors)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is string s && string.IsNullOrWhiteSpace(s))
            {
                errors.Add($"{path}:{i}: is empty");
            }
        }
    }
}
