using System.Collections;
using System.Globalization;
using System.Reflection;
using EdgeCache.Admin;
using EdgeCache.Caching;
using EdgeCache.Caching.Stores;
using EdgeCache.Degraded;
using EdgeCache.Rules;
using Microsoft.Extensions.Configuration;
using Yarp.ReverseProxy.Configuration;

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
        ["Compression"] = typeof(Compression.CompressionOptions),
    };

    /// <summary>
    /// Every problem of the configuration in one list: values that do not parse or keys nobody
    /// reads first, then the checks of values and cross-references, with each unparsable value
    /// taken at its default so that one run reports everything.
    /// </summary>
    /// <param name="readsProxySection">
    /// Whether the proxy reads the <c>ReverseProxy</c> section; null when it is this configuration
    /// that decides (at start). A running proxy keeps the choice it started with, since
    /// <c>EdgeCache:Origin</c> is read at start only.
    /// </param>
    public static IReadOnlyList<string> Validate(IConfiguration configuration, bool? readsProxySection = null)
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
                errors.Add(Unknown(child, KnownTopLevel()));
            }
        }
        var proxySection = readsProxySection ?? string.IsNullOrWhiteSpace(root["Origin"]);
        if (proxySection)
        {
            CheckShape(configuration.GetSection("ReverseProxy"), typeof(ProxySection), errors);
        }
        if (errors.Count > 0)
        {
            // The checks below bind the options; what does not parse is left out of them (its default stands in).
            var unusable = errors.Select(e => e[..e.IndexOf(": ", StringComparison.Ordinal)]).ToList();
            configuration = new ConfigurationBuilder().AddInMemoryCollection(configuration.AsEnumerable()
                .Where(pair => !unusable.Any(path => pair.Key.Equals(path, StringComparison.OrdinalIgnoreCase)
                    || pair.Key.StartsWith(path + ":", StringComparison.OrdinalIgnoreCase)))).Build();
            root = configuration.GetSection(EdgeCacheOptions.Section);
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
        if (cache.HeuristicFraction is not (> 0 and <= 1)) // NaN too
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

        if (proxySection)
        {
            ValidateReverseProxy(configuration.GetSection("ReverseProxy"), originReadLater: !string.IsNullOrWhiteSpace(options.Origin), errors);
        }

        var compression = root.GetSection("Compression").Get<Compression.CompressionOptions>() ?? new Compression.CompressionOptions();
        if (compression.MinBytes < 0)
        {
            errors.Add($"EdgeCache:Compression:MinBytes: {compression.MinBytes} is negative; use bytes, e.g. 1024");
        }
        if (compression.BrotliLevel is < 0 or > 11)
        {
            errors.Add($"EdgeCache:Compression:BrotliLevel: {compression.BrotliLevel} is out of range; use 0 to 11, e.g. 5");
        }
        if (compression.GzipLevel is < 0 or > 9)
        {
            errors.Add($"EdgeCache:Compression:GzipLevel: {compression.GzipLevel} is out of range; use 0 to 9, e.g. 7");
        }
        for (var i = 0; i < (compression.Types?.Count ?? 0); i++)
        {
            var type = compression.Types![i];
            var slash = type.IndexOf('/');
            var valid = type.StartsWith('+') ? type.Length > 1 && !type.Contains('/')
                : slash > 0 && slash < type.Length - 1 && !type.Contains(';') && !type.Contains(' ');
            if (!valid)
            {
                errors.Add($"EdgeCache:Compression:Types:{i}: \"{type}\" is not a media type; use \"type/subtype\" without parameters, e.g. \"text/html\", or a suffix, e.g. \"+json\"");
            }
        }
        return errors;
    }

    /// <summary>The parts of YARP's configuration a proxy cannot start without, plus what our registry cannot serve.</summary>
    private static void ValidateReverseProxy(IConfigurationSection proxy, bool originReadLater, List<string> errors)
    {
        var routes = proxy.GetSection("Routes").GetChildren().ToList();
        var clusters = proxy.GetSection("Clusters").GetChildren().ToList();
        if (routes.Count == 0 || clusters.Count == 0)
        {
            errors.Add(originReadLater
                ? "ReverseProxy: no routes or no clusters; the running proxy reads this section until a restart (EdgeCache:Origin is read at start only), so keep it until then"
                : "ReverseProxy: no routes or no clusters; give --origin http://HOST:PORT, or configure ReverseProxy:Routes and ReverseProxy:Clusters (see README)");
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
            KnownName(cluster, "LoadBalancingPolicy", LoadBalancingPolicyNames, errors);
            KnownName(cluster, "SessionAffinity:Policy", AffinityPolicyNames, errors);
            KnownName(cluster, "SessionAffinity:FailurePolicy", AffinityFailurePolicyNames, errors);
            KnownName(cluster, "HealthCheck:Active:Policy", ActiveHealthPolicyNames, errors);
            KnownName(cluster, "HealthCheck:Passive:Policy", PassiveHealthPolicyNames, errors);
            if (cluster["HealthCheck:AvailableDestinationsPolicy"] is { } policy
                && !string.Equals(policy, Origin.OriginHealth.PolicyName, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{cluster.Path}:HealthCheck:AvailableDestinationsPolicy: \"{policy}\" would hide origin health from EdgeCache's degraded mode; remove it (EdgeCache uses primaries, then backups, then its cache)");
            }
        }
    }

    /// <summary>
    /// The shape of YARP's <c>ReverseProxy</c> section: YARP's own configuration types, routes
    /// and clusters named by their keys (so <c>RouteId</c> and <c>ClusterId</c> are not settings).
    /// </summary>
    private sealed class ProxySection
    {
        public Dictionary<string, RouteConfig>? Routes { get; set; }
        public Dictionary<string, ClusterConfig>? Clusters { get; set; }
    }

    private static readonly HashSet<PropertyInfo> NamedByKey =
        [typeof(RouteConfig).GetProperty(nameof(RouteConfig.RouteId))!, typeof(ClusterConfig).GetProperty(nameof(ClusterConfig.ClusterId))!];

    // The policies a cluster may name: YARP's own and EdgeCache's (a misspelt one stops YARP from loading the configuration).
    private static readonly string[] LoadBalancingPolicyNames =
    [
        Yarp.ReverseProxy.LoadBalancing.LoadBalancingPolicies.PowerOfTwoChoices, Yarp.ReverseProxy.LoadBalancing.LoadBalancingPolicies.RoundRobin,
        Yarp.ReverseProxy.LoadBalancing.LoadBalancingPolicies.LeastRequests, Yarp.ReverseProxy.LoadBalancing.LoadBalancingPolicies.Random,
        Yarp.ReverseProxy.LoadBalancing.LoadBalancingPolicies.FirstAlphabetical,
    ];
    private static readonly string[] AffinityPolicyNames =
    [
        Yarp.ReverseProxy.SessionAffinity.SessionAffinityConstants.Policies.HashCookie, Yarp.ReverseProxy.SessionAffinity.SessionAffinityConstants.Policies.Cookie,
        Yarp.ReverseProxy.SessionAffinity.SessionAffinityConstants.Policies.ArrCookie, Yarp.ReverseProxy.SessionAffinity.SessionAffinityConstants.Policies.CustomHeader,
    ];
    private static readonly string[] AffinityFailurePolicyNames =
    [
        Yarp.ReverseProxy.SessionAffinity.SessionAffinityConstants.FailurePolicies.Redistribute,
        Yarp.ReverseProxy.SessionAffinity.SessionAffinityConstants.FailurePolicies.Return503Error,
    ];
    private static readonly string[] ActiveHealthPolicyNames =
        [Origin.LiveOriginHealthPolicy.PolicyName, Yarp.ReverseProxy.Health.HealthCheckConstants.ActivePolicy.ConsecutiveFailures];
    private static readonly string[] PassiveHealthPolicyNames =
        [Origin.OriginFailuresHealthPolicy.PolicyName, Yarp.ReverseProxy.Health.HealthCheckConstants.PassivePolicy.TransportFailureRate];

    private static void KnownName(IConfigurationSection cluster, string key, string[] known, List<string> errors)
    {
        if (cluster[key] is { Length: > 0 } name && !known.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            var near = known.FirstOrDefault(k => CommandLine.IsNear(name, k));
            errors.Add($"{cluster.Path}:{key}: \"{name}\" is not a policy{(near is null ? "" : $"; did you mean {near}?")} (known: {string.Join(", ", known)})");
        }
    }

    /// <summary>Checks that every key under <paramref name="section"/> is a property of <paramref name="type"/> with a parsable value.</summary>
    private static void CheckShape(IConfigurationSection section, Type type, List<string> errors)
    {
        if (ListItemType(type) is { } itemType)
        {
            if (section.Value is { Length: > 0 } single && !section.GetChildren().Any())
            {
                // The binder and YARP read a list from its items only: this value would be dropped, and an
                // empty list means every path, every host.
                errors.Add($"{section.Path}: expected a list (a JSON array), found a value; write [ \"{single}\" ]");
                return;
            }
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
        if (DictionaryValueType(type) is { } valueType)
        {
            if (section.Value is not null && !section.GetChildren().Any())
            {
                errors.Add($"{section.Path}: expected a section (a JSON object), found a value");
            }
            foreach (var item in section.GetChildren())
            {
                CheckValue(item, valueType, errors);
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
            if (property is null || NamedByKey.Contains(property))
            {
                errors.Add(property is null
                    ? Unknown(child, PropertyNames(type))
                    : $"{child.Path}: not a setting; a {(property.DeclaringType == typeof(RouteConfig) ? "route" : "cluster")} is named by its key (\"{section.Key}\"), remove it");
                continue;
            }
            CheckValue(child, property.PropertyType, errors);
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, List<string> errors)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying.IsEnum && underlying.IsDefined(typeof(FlagsAttribute), false))
        {
            // YARP reads a set of flags (SslProtocols) as a list of names only; a single value would be ignored.
            if (section.Value is not null && !section.GetChildren().Any())
            {
                errors.Add($"{section.Path}: expected a list of names, e.g. [ \"{Enum.GetNames(underlying).Last()}\" ]");
                return;
            }
            foreach (var item in section.GetChildren())
            {
                CheckScalar(item.Path, item.Value, underlying, errors);
            }
            return;
        }
        if (IsScalar(underlying))
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

    private static bool IsScalar(Type type) =>
        type == typeof(string) || type.IsPrimitive || type.IsEnum || type == typeof(TimeSpan) || type == typeof(Version) || type == typeof(Uri);

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
            // YARP reads "2" as 2.0.
            _ when type == typeof(Version) => Version.TryParse(value.Contains('.') ? value : value + ".0", out _),
            _ when type == typeof(Uri) => Uri.TryCreate(value, UriKind.Absolute, out _),
            // A defined member's number too: YARP's reader and the binder both take "4" for the fifth member.
            _ when type.IsEnum => Enum.TryParse(type, value, ignoreCase: true, out var parsed) && Enum.IsDefined(type, parsed!),
            _ => true,
        };
        if (!ok)
        {
            errors.Add(type.IsEnum && Enum.GetNames(type).FirstOrDefault(name => CommandLine.IsNear(value, name)) is { } near
                ? $"{path}: \"{value}\" is not {Describe(type)}; did you mean {near}?"
                : $"{path}: \"{value}\" is not {Describe(type)}");
        }
    }

    /// <summary>An unknown key, with the known key it most likely stands for.</summary>
    private static string Unknown(IConfigurationSection section, IEnumerable<string> known)
    {
        var names = known.ToList();
        return names.FirstOrDefault(name => CommandLine.IsNear(section.Key, name)) is { } near
            ? $"{section.Path}: unknown setting; did you mean {near}? (known settings are {string.Join(", ", names)})"
            : $"{section.Path}: unknown setting; known settings are {string.Join(", ", names)}";
    }

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(Version) => "an HTTP version, e.g. \"1.1\" or \"2\"",
        _ when type == typeof(Uri) => "an absolute URL, e.g. http://proxy.example.net:3128",
        _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}",
        _ when type == typeof(TimeSpan) => "a duration; write [d.]hh:mm:ss, e.g. \"00:05:00\" for five minutes",
        _ when type == typeof(double) => "a number, e.g. 0.1",
        _ => "a whole number, e.g. 268435456",
    };

    private static Type? ListItemType(Type type) =>
        type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(List<>) || type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
            ? type.GetGenericArguments()[0]
            : null;

    private static Type? DictionaryValueType(Type type) =>
        type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Dictionary<,>) || type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
            ? type.GetGenericArguments()[1]
            : null;

    private static IEnumerable<string> PropertyNames(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => !NamedByKey.Contains(p)).Select(p => p.Name);

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
