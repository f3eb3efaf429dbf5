// The least a Kestrel server can do per hit: the same listeners and certificate settings as
// EdgeCache (--urls, --Kestrel:...), one 16 KB page from memory with a few cache headers, no
// middleware. tests/load/variants.sh measures EdgeCache against it to tell EdgeCache's own cost
// from the server's.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
var page = new byte[16384];
Array.Fill(page, (byte)'a');
app.Run(context =>
{
    context.Response.ContentType = "text/html";
    context.Response.ContentLength = page.Length;
    context.Response.Headers.CacheControl = "public, max-age=86400";
    return context.Response.Body.WriteAsync(page).AsTask();
});
app.Run();
