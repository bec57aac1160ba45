// The staging rollout of samples/StagingRollout with the Cake.Rmote addin (the same steps as its csproj's Deploy):
// publish, copy a new release, render the release's config and the systemd unit, daemon-reload, restart, wait for
// /health; when a step after the switch fails, roll back, restart the previous release, wait for it, and fail.
//
//   dotnet cake samples/Cake/rollout.cake --hosts=web01,web02 [--ssh-config=~/.ssh/config] [--ports=5080]
//       [--app-version=2.0.0] [--break-health=true]
//
// Hosts are ssh targets (user@host:port, or names of an ssh_config). --ports: one port for every host, or one per
// host in the same order (hosts that share a network, like the test rig's containers). The addin comes from the feed
// in nuget.config (artifacts/packages): run build/rollout-sample.sh or `dotnet pack` first.
#addin nuget:?package=Cake.Rmote&version=0.1.0

var hosts = Argument("hosts", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var sshConfig = Argument<string>("ssh-config", null);
var ports = Argument("ports", "5080").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var version = Argument("app-version", "1.0.0");
var breakHealth = Argument("break-health", false);
var healthTimeout = TimeSpan.FromMilliseconds(Argument("health-timeout", 20000));
const string Dir = "/srv/staging-rollout";
const string Service = "staging-rollout";
var publishDir = MakeAbsolute(Directory("./out/staging-publish"));
var releaseId = DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
if (hosts.Length == 0) throw new ArgumentException("No hosts: pass --hosts=user@web01,user@web02 (ssh targets or ssh_config names).");
if (ports.Length != 1 && ports.Length != hosts.Length) throw new ArgumentException($"--ports has {ports.Length} ports for {hosts.Length} hosts: give one for all, or one per host.");
string PortOf(int i) => ports.Length == 1 ? ports[0] : ports[i];

T Connect<T>(T settings) where T : RmoteSettings => sshConfig == null ? settings : settings.WithSshConfigFile(sshConfig);

// Each host's own port: the health URL and the rendered config differ per host, so those steps run host by host.
void WaitHealthy()
{
    for (var i = 0; i < hosts.Length; i++)
        RmoteWaitForHealthy(new[] { hosts[i] }, $"http://127.0.0.1:{PortOf(i)}/health",
            Connect(new RmoteWaitForHealthySettings()).WithTimeout(healthTimeout, TimeSpan.FromMilliseconds(250)));
}

Teardown(ctx => RmoteDisconnect());

Task("Publish").Does(() =>
{
    DotNetPublish("../StagingRollout/StagingRollout.csproj", new DotNetPublishSettings
    {
        Configuration = "Release",
        OutputDirectory = publishDir,
        MSBuildSettings = new DotNetMSBuildSettings()
            .WithProperty("SampleVersion", version)
            .WithProperty("SampleBreakHealth", breakHealth ? "true" : "false")
            .WithProperty("StagingUseRmoteMSBuild", "false"), // the MSBuild rollout's tasks are not needed here
    });
});

Task("Rollout")
    .IsDependentOn("Publish")
    .Does(() =>
{
    var copy = RmoteCopy(hosts, publishDir.FullPath, Dir, Connect(new RmoteCopySettings()).WithReleases(keep: 3, releaseId: releaseId));
    var release = copy[0].Value!.Release!.ReleaseId;
    try
    {
        for (var i = 0; i < hosts.Length; i++)
            RmoteTemplate(new[] { hosts[i] }, "../StagingRollout/deploy/appsettings.Production.json.template", $"{Dir}/releases/{release}/appsettings.Production.json",
                Connect(new RmoteTemplateSettings()).WithVariable("port", PortOf(i)).WithVariable("release", release).WithFileMode("0644"));
        RmoteTemplate(hosts, "../StagingRollout/deploy/app.service.template", $"/etc/systemd/system/{Service}.service",
            Connect(new RmoteTemplateSettings()).WithVariable("dir", Dir).WithVariable("service", Service).WithFileMode("0644"));
        RmoteExec(hosts, "systemctl daemon-reload", Connect(new RmoteExecSettings()));
        RmoteServiceRestart(hosts, Service, Connect(new RmoteServiceRestartSettings()));
        WaitHealthy();
        Information("StagingRollout {0} is live: release {1}", version, release);
    }
    catch (Exception e)
    {
        Warning("Rolling back: release {0} did not come up healthy.", release);
        var back = RmoteRollback(hosts, Dir, Connect(new RmoteRollbackSettings()));
        RmoteServiceRestart(hosts, Service, Connect(new RmoteServiceRestartSettings()));
        WaitHealthy();
        Warning("Rolled back to release {0}: it is live and healthy again.", back[0].Value!.Current);
        throw new CakeException($"Rollout of {version} failed and was rolled back: {e.Message}");
    }
});

RunTarget(Argument("target", "Rollout"));
