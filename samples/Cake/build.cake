// Deploys HelloApp with the Cake.Rmote addin: publish, copy as a release, render a config, run it, check it.
//
//   dotnet cake samples/Cake/build.cake                           local target (a python3 child on this machine)
//   dotnet cake samples/Cake/build.cake --hosts=root@127.0.0.1:2222,root@127.0.0.1:2223 \
//       --identity=~/.ssh/id_ed25519 --known-hosts=./known_hosts [--dest=/srv/hello]
//   dotnet cake samples/Cake/build.cake --target=Rollback [--hosts=...]
//
// The addin comes from the feed in nuget.config (artifacts/packages): run `dotnet pack` first (build/build.sh
// pack does both). Arguments: hosts (comma-separated, default local), identity, known-hosts, dest (default
// /srv/hello on SSH hosts, samples/Cake/out/local for the local target), configuration, target.
#addin nuget:?package=Cake.Rmote&version=0.1.0

var target = Argument("target", "Deploy");
var configuration = Argument("configuration", "Release");
var hosts = Argument("hosts", "local").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var identity = Argument<string>("identity", null);
var knownHosts = Argument<string>("known-hosts", null);
var isLocal = hosts.All(h => h == "local");
var dest = Argument("dest", isLocal ? MakeAbsolute(Directory("./out/local")).FullPath : "/srv/hello");
var publishDir = MakeAbsolute(Directory("./out/publish"));
var releaseId = DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");

// One settings helper so every step uses the same connection (the addin reuses it across steps).
T Connect<T>(T settings) where T : RmoteSettings
{
    if (identity != null) settings.WithIdentity(identity);
    if (knownHosts != null) settings.WithKnownHostsFile(knownHosts);
    return settings;
}

// Stands in for a real secret (an API token from the CI's secret store): steps take it by name
// (WithSecretEnvironmentVariable("SAMPLE_API_TOKEN")), so its value is never in this script's settings or its log.
if (string.IsNullOrEmpty(EnvironmentVariable("SAMPLE_API_TOKEN")))
    System.Environment.SetEnvironmentVariable("SAMPLE_API_TOKEN", "sample-token-not-secret");

Teardown(ctx => { RmoteRecap(); RmoteDisconnect(); });

Task("Publish").Does(() =>
{
    DotNetPublish("./HelloApp/HelloApp.csproj", new DotNetPublishSettings
    {
        Configuration = configuration,
        OutputDirectory = publishDir,
    });
});

Task("Deploy")
    .IsDependentOn("Publish")
    .Does(() =>
{
    Information("Deploying release {0} to {1} under {2}", releaseId, string.Join(", ", hosts), dest);
    var copy = RmoteCopy(hosts, publishDir, dest, Connect(new RmoteCopySettings()).WithReleases(keep: 3, releaseId: releaseId));
    RmoteTemplate(hosts, File("./hello.conf.tmpl"), dest + "/hello.conf", Connect(new RmoteTemplateSettings())
        .WithVariable("greeting", "hello from Cake")
        .WithVariable("release", releaseId)
        .WithFileMode("0644"));
    RmoteWaitForHealthyCommand(hosts, new[] { "test", "-f", dest + "/current/HelloApp.dll" },
        Connect(new RmoteWaitForHealthySettings()).WithTimeout(TimeSpan.FromSeconds(20)));
    var run = RmoteExec(hosts, "dotnet current/HelloApp.dll hello.conf",
        Connect(new RmoteExecSettings()).WithWorkingDirectory(dest).WithEnvironmentVariable("DOTNET_NOLOGO", "1")
            .WithSecretEnvironmentVariable("SAMPLE_API_TOKEN"));
    foreach (var r in copy)
        Information("{0}: {1} files copied, release {2}", r.Host, r.Value!.Copy.Copied, r.Value.Release?.ReleaseId);
});

Task("Rollback").Does(() =>
{
    RmoteRollback(hosts, dest, Connect(new RmoteRollbackSettings()));
    RmoteExec(hosts, "readlink current", Connect(new RmoteExecSettings()).WithWorkingDirectory(dest));
});

RunTarget(target);
