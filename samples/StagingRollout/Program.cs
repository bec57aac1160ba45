using System.Reflection;

// A staging app small enough to read at a glance: `/` says which version runs, `/health` is what the rollout waits on.
// The listening address comes from appsettings.Production.json, which the deploy renders into each release.
var app = WebApplication.CreateBuilder(args).Build();
string Meta(string key) => typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(m => m.Key == key).Value ?? "";
var version = Meta("SampleVersion");
// A build switch (-p:SampleBreakHealth=true) that makes a release whose health check fails: the rollback demo.
var healthy = Meta("SampleBreakHealth") != "true";
var release = app.Configuration["Release"] ?? "unknown";

app.MapGet("/", () => $"StagingRollout {version} (release {release})\n");
app.MapGet("/health", () => healthy ? Results.Text("ok\n") : Results.Text("broken on purpose\n", statusCode: 503));
app.Run();
