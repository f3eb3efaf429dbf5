using EdgeCache.Hosting;
using Microsoft.Extensions.Configuration;

namespace EdgeCache.Tests.Hosting;

public sealed class ConfigValidatorTests
{
    private static IReadOnlyList<string> Validate(params (string Key, string Value)[] values) =>
        ConfigValidator.Validate(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build());

    [Fact]
    public void Validate_OriginShortcut_Valid() =>
        Assert.Empty(Validate(("EdgeCache:Origin", "http://127.0.0.1:9100")));

    [Fact]
    public void Validate_BackupOrigin_NeedsAnOriginAndAnHttpAddress()
    {
        Assert.Empty(Validate(("EdgeCache:Origin", "http://127.0.0.1:9100"), ("EdgeCache:BackupOrigin", "http://127.0.0.1:9200")));

        var errors = Validate(("EdgeCache:BackupOrigin", "mirror.example"),
            ("ReverseProxy:Routes:r:ClusterId", "c"), ("ReverseProxy:Routes:r:Match:Path", "{**all}"),
            ("ReverseProxy:Clusters:c:Destinations:d:Address", "http://127.0.0.1:9100"));

        Assert.Contains(errors, e => e.StartsWith("EdgeCache:BackupOrigin: needs --origin too"));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:BackupOrigin:") && e.Contains("mirror.example"));
    }

    [Fact]
    public void Validate_ClusterChoosingAnotherAvailableDestinationsPolicy_Listed()
    {
        var errors = Validate(
            ("ReverseProxy:Routes:r:ClusterId", "c"), ("ReverseProxy:Routes:r:Match:Path", "{**all}"),
            ("ReverseProxy:Clusters:c:Destinations:d:Address", "http://127.0.0.1:9100"),
            ("ReverseProxy:Clusters:c:HealthCheck:AvailableDestinationsPolicy", "HealthyOrPanic"));

        Assert.Equal(["ReverseProxy:Clusters:c:HealthCheck:AvailableDestinationsPolicy: \"HealthyOrPanic\" would hide origin health from EdgeCache's degraded mode; remove it (EdgeCache uses primaries, then backups, then its cache)"],
            errors);
    }

    [Fact]
    public void Validate_SeveralProblems_AllListedWithPaths()
    {
        var errors = Validate(
            ("EdgeCache:Origin", "http://127.0.0.1:9100"),
            ("EdgeCache:Cache:MaxObjectBytes", "lots"),
            ("EdgeCache:Rules:0:Ttl", "5 minutes"),
            ("EdgeCache:Rules:1:Bypass", "maybe"),
            ("EdgeCache:Storage:Memory:MaxBites", "10"));

        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Cache:MaxObjectBytes: \"lots\""));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:0:Ttl: \"5 minutes\" is not a duration"));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:1:Bypass: \"maybe\" is not true or false"));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Storage:Memory:MaxBites: unknown setting"));
    }

    [Fact]
    public void Validate_BadValues_RangeErrors()
    {
        var errors = Validate(
            ("EdgeCache:Origin", "ftp://x"),
            ("EdgeCache:Cache:HeuristicFraction", "2"),
            ("EdgeCache:Storage:Disk:MaxBytes", "0"),
            ("EdgeCache:Rules:0:Paths:0", "news/*"));

        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Origin:"));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Cache:HeuristicFraction:"));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Storage:Disk:MaxBytes:"));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:Rules:0:Paths:"));
    }

    [Fact]
    public void Validate_AccessLog_KnownFormatsOnly_AndTheOldSwitchIsGone()
    {
        Assert.Empty(Validate(("EdgeCache:Origin", "http://127.0.0.1:9100"), ("EdgeCache:AccessLog:Enabled", "true"), ("EdgeCache:AccessLog:Format", "JSON")));

        var errors = Validate(("EdgeCache:Origin", "http://127.0.0.1:9100"), ("EdgeCache:AccessLog:Format", "xml"), ("EdgeCache:AccessLog:Enabled", "yes"));
        Assert.Contains(errors, e => e.StartsWith("EdgeCache:AccessLog:Enabled: \"yes\" is not true or false"));

        Assert.Equal(["EdgeCache:AccessLog:Format: \"xml\" is not a format; use text or json"],
            Validate(("EdgeCache:Origin", "http://127.0.0.1:9100"), ("EdgeCache:AccessLog:Format", "xml")));
        Assert.Contains(Validate(("EdgeCache:Origin", "http://127.0.0.1:9100"), ("EdgeCache:Cache:AccessLog", "true")),
            e => e.StartsWith("EdgeCache:Cache:AccessLog: unknown setting"));
    }

    [Fact]
    public void Validate_NoOriginAndNoRoutes_ExplainsWhatToDo() =>
        Assert.Contains("--origin", Assert.Single(Validate()));

    [Fact]
    public void Validate_RouteToUnknownClusterAndBadAddress_Listed()
    {
        var errors = Validate(
            ("ReverseProxy:Routes:r1:ClusterId", "nope"),
            ("ReverseProxy:Routes:r1:Match:Path", "{**catch-all}"),
            ("ReverseProxy:Clusters:c1:Destinations:d1:Address", "not a url"));

        Assert.Contains(errors, e => e.StartsWith("ReverseProxy:Routes:r1:ClusterId: \"nope\" is not a cluster"));
        Assert.Contains(errors, e => e.StartsWith("ReverseProxy:Clusters:c1:Destinations:d1:Address:"));
    }

    [Fact]
    public void Validate_RepositoryDefaultAppSettings_Valid()
    {
        var root = CommandLine.FindContentRoot(AppContext.BaseDirectory);
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(root, "appsettings.json")).Build();

        Assert.Empty(ConfigValidator.Validate(configuration));
    }

    [Fact]
    public void RepositoryAppSettings_CacheSettingsAreTheBuiltInDefaults()
    {
        // The README documents one set of defaults: the shipped file must not quietly differ from them.
        var root = CommandLine.FindContentRoot(AppContext.BaseDirectory);
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(root, "appsettings.json")).Build();
        var shipped = configuration.GetSection(EdgeCache.Caching.CacheOptions.Section).Get<EdgeCache.Caching.CacheOptions>()!;
        var builtIn = new EdgeCache.Caching.CacheOptions();

        Assert.Equal(builtIn.DefaultStaleWhileRevalidate, shipped.DefaultStaleWhileRevalidate);
        Assert.Equal(builtIn.DefaultStaleIfError, shipped.DefaultStaleIfError);
        Assert.Equal(builtIn.MaxObjectBytes, shipped.MaxObjectBytes);
        Assert.Equal(builtIn.HeuristicMaxAge, shipped.HeuristicMaxAge);
        Assert.Equal(builtIn.TargetList, shipped.TargetList);
    }

    [Fact]
    public void RepositoryAppSettings_CompressionSettingsAreTheBuiltInDefaults()
    {
        var root = CommandLine.FindContentRoot(AppContext.BaseDirectory);
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(root, "appsettings.json")).Build();
        var shipped = configuration.GetSection(EdgeCache.Compression.CompressionOptions.Section).Get<EdgeCache.Compression.CompressionOptions>()!;
        var builtIn = new EdgeCache.Compression.CompressionOptions();

        Assert.Equal(builtIn.Enabled, shipped.Enabled);
        Assert.Equal(builtIn.TypeList, shipped.TypeList);
        Assert.Equal(builtIn.MinBytes, shipped.MinBytes);
        Assert.Equal(builtIn.BrotliLevel, shipped.BrotliLevel);
        Assert.Equal(builtIn.GzipLevel, shipped.GzipLevel);
    }

    [Fact]
    public void Validate_CompressionValuesOutOfRange_EachListedWithItsPath()
    {
        var errors = Validate(("EdgeCache:Origin", "http://127.0.0.1:9100"),
            ("EdgeCache:Compression:MinBytes", "-1"),
            ("EdgeCache:Compression:BrotliLevel", "12"),
            ("EdgeCache:Compression:GzipLevel", "10"),
            ("EdgeCache:Compression:Types:0", "text/html"),
            ("EdgeCache:Compression:Types:1", "text/html; charset=utf-8"),
            ("EdgeCache:Compression:Types:2", "+json"),
            ("EdgeCache:Compression:Typess:0", "text/css"));

        Assert.Equal(5, errors.Count);
        Assert.StartsWith("EdgeCache:Compression:Typess", errors[0]);
        Assert.StartsWith("EdgeCache:Compression:MinBytes: -1 is negative", errors[1]);
        Assert.StartsWith("EdgeCache:Compression:BrotliLevel: 12 is out of range", errors[2]);
        Assert.StartsWith("EdgeCache:Compression:GzipLevel: 10 is out of range", errors[3]);
        Assert.StartsWith("EdgeCache:Compression:Types:1: \"text/html; charset=utf-8\" is not a media type", errors[4]);
    }

    [Fact]
    public void Validate_TargetedFieldsNotFieldNames_EachListedWithItsPath()
    {
        var errors = Validate(("EdgeCache:Origin", "http://127.0.0.1:9100"),
            ("EdgeCache:Cache:TargetedFields:0", "EdgeCache-Cache-Control"),
            ("EdgeCache:Cache:TargetedFields:1", "CDN Cache Control"),
            ("EdgeCache:Cache:TargetedFields:2", "Cache-Control"));

        Assert.Equal(2, errors.Count);
        Assert.StartsWith("EdgeCache:Cache:TargetedFields:1: \"CDN Cache Control\" is not a field name", errors[0]);
        Assert.StartsWith("EdgeCache:Cache:TargetedFields:2: \"Cache-Control\" is not a targeted field", errors[1]);
    }

    [Fact]
    public void Validate_TargetedFieldsValid_NoErrors() =>
        Assert.Empty(Validate(("EdgeCache:Origin", "http://127.0.0.1:9100"), ("EdgeCache:Cache:TargetedFields:0", "Acme-Cache-Control")));

    [Fact]
    public void Bind_TargetedFieldsConfigured_ReplaceTheDefaultList()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cache:TargetedFields:0"] = "CDN-Cache-Control",
        }).Build();

        var options = configuration.GetSection("Cache").Get<EdgeCache.Caching.CacheOptions>()!;

        Assert.Equal(["CDN-Cache-Control"], options.TargetList);
        Assert.Equal(["EdgeCache-Cache-Control", "CDN-Cache-Control"], new EdgeCache.Caching.CacheOptions().TargetList);
    }

    [Fact]
    public void Bind_TargetedFieldsEmptyJsonArray_NoTargetedFields()
    {
        using var json = new MemoryStream("{ \"Cache\": { \"TargetedFields\": [] } }"u8.ToArray());
        var configuration = new ConfigurationBuilder().AddJsonStream(json).Build();

        var options = new EdgeCache.Caching.CacheOptions();
        configuration.GetSection("Cache").Bind(options);
        EdgeCache.Caching.CacheOptions.ReadEmptyLists(options, configuration.GetSection("Cache"));

        Assert.Empty(options.TargetList);
    }

    [Fact]
    public void Validate_ProxySectionYarpReads_NoErrors()
    {
        // Every shape below is one YARP reads (its ConfigurationConfigProvider): it worked before the check existed.
        var errors = Validate(
            ("ReverseProxy:Routes:r:ClusterId", "c"), ("ReverseProxy:Routes:r:Order", "-1"), ("ReverseProxy:Routes:r:MaxRequestBodySize", "1048576"),
            ("ReverseProxy:Routes:r:Match:Path", "{**all}"), ("ReverseProxy:Routes:r:Match:Hosts:0", "www.example.com"),
            ("ReverseProxy:Routes:r:Match:Methods:0", "GET"),
            ("ReverseProxy:Routes:r:Match:Headers:0:Name", "X-Tenant"), ("ReverseProxy:Routes:r:Match:Headers:0:Values:0", "a"),
            ("ReverseProxy:Routes:r:Match:Headers:0:Mode", "HeaderPrefix"), ("ReverseProxy:Routes:r:Match:Headers:0:IsCaseSensitive", "true"),
            ("ReverseProxy:Routes:r:Match:Headers:1:Name", "X-Beta"), ("ReverseProxy:Routes:r:Match:Headers:1:Mode", "4"),
            ("ReverseProxy:Routes:r:Match:QueryParameters:0:Name", "v"), ("ReverseProxy:Routes:r:Match:QueryParameters:0:Mode", "Exists"),
            ("ReverseProxy:Routes:r:Metadata:team", "web"), ("ReverseProxy:Routes:r:Transforms:0:PathPrefix", "/x"),
            ("ReverseProxy:Routes:r:Transforms:1:RequestHeader", "X-A"), ("ReverseProxy:Routes:r:Transforms:1:Set", "1"),
            ("ReverseProxy:Clusters:c:Destinations:d:Address", "http://127.0.0.1:9100"),
            ("ReverseProxy:Clusters:c:Destinations:d:Health", "http://127.0.0.1:9101/"), ("ReverseProxy:Clusters:c:Destinations:d:Metadata:region", "eu"),
            ("ReverseProxy:Clusters:c:HttpRequest:Version", "2"), ("ReverseProxy:Clusters:c:HttpRequest:VersionPolicy", "RequestVersionOrLower"),
            ("ReverseProxy:Clusters:c:HttpRequest:ActivityTimeout", "00:01:00"),
            ("ReverseProxy:Clusters:c:HttpClient:SslProtocols:0", "Tls12"), ("ReverseProxy:Clusters:c:HttpClient:SslProtocols:1", "Tls13"),
            ("ReverseProxy:Clusters:c:HttpClient:WebProxy:Address", "http://proxy.example.net:3128"),
            ("ReverseProxy:Clusters:c:SessionAffinity:Enabled", "true"), ("ReverseProxy:Clusters:c:SessionAffinity:AffinityKeyName", "k"),
            ("ReverseProxy:Clusters:c:SessionAffinity:Cookie:SameSite", "Lax"), ("ReverseProxy:Clusters:c:SessionAffinity:Cookie:SecurePolicy", "Always"),
            ("ReverseProxy:Clusters:c:Metadata:owner", "ops"));

        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void Validate_HeuristicFractionNotANumber_Listed(string value) =>
        // double.Parse takes both; NaN passed every comparison, and a heuristic TTL of NaN throws on every response it applies to.
        Assert.Contains(Validate(("EdgeCache:Origin", "http://127.0.0.1:9100"), ("EdgeCache:Cache:HeuristicFraction", value)),
            e => e.StartsWith("EdgeCache:Cache:HeuristicFraction:"));

    [Fact]
    public void Validate_ListGivenAsOneValue_Listed()
    {
        // Read as a list, a lone value is no list at all: a rule for every path, a route for every host.
        var errors = Validate(
            ("EdgeCache:Rules:0:Paths", "/news/*"), ("EdgeCache:Rules:0:Ttl", "1.00:00:00"),
            ("ReverseProxy:Routes:r:ClusterId", "c"), ("ReverseProxy:Routes:r:Match:Path", "{**all}"),
            ("ReverseProxy:Routes:r:Match:Hosts", "www.example.com"),
            ("ReverseProxy:Clusters:c:Destinations:d:Address", "http://127.0.0.1:9100"));

        Assert.Contains("EdgeCache:Rules:0:Paths: expected a list (a JSON array), found a value; write [ \"/news/*\" ]", errors);
        Assert.Contains("ReverseProxy:Routes:r:Match:Hosts: expected a list (a JSON array), found a value; write [ \"www.example.com\" ]", errors);
    }
}
