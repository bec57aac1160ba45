using Rmote.Nuke;
using static Rmote.Nuke.RmoteTasks;

// Deploys HelloApp (samples/Cake/HelloApp) with Rmote.Nuke tasks, in Nuke's shape.
//
//   dotnet run --project samples/Nuke                                  local target
//   dotnet run --project samples/Nuke -- --hosts root@127.0.0.1:2222,root@127.0.0.1:2223 \
//       --identity ~/.ssh/id_ed25519 --known-hosts ./known_hosts [--dest /srv/hello-nuke]
//   dotnet run --project samples/Nuke -- Rollback [--hosts ...]
//   dotnet run --project samples/Nuke -- --whatif=true [--hosts ...]  check mode: print what would change, change nothing
class Build : MiniBuild
{
    public static int Main(string[] args)
    {
        // Stands in for a real secret (an API token from the CI's secret store): tasks take it by name
        // (AddSecretEnvironmentVariables("SAMPLE_API_TOKEN")), so its value is never in the settings or the log.
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SAMPLE_API_TOKEN")))
            Environment.SetEnvironmentVariable("SAMPLE_API_TOKEN", "sample-token-not-secret");
        // The recap per host ends the build, a failed one too (Nuke's OnBuildFinished in a full Nuke build).
        try
        {
            return Execute<Build>(args, x => x.Verify);
        }
        finally
        {
            RmoteRecap();
        }
    }

    [Parameter("Comma-separated hosts: user@host:port or local")] readonly string Hosts = "local";
    [Parameter("Private key file")] readonly string? Identity = null;
    [Parameter("known_hosts file")] readonly string? KnownHosts = null;
    [Parameter("Base folder on the hosts")] readonly string? Dest = null;
    [Parameter("Check mode: print what each task would change on the hosts, change nothing")] readonly string? WhatIf = null;

    static readonly string SampleRoot = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", ".."));
    static readonly string PublishDir = Path.Combine(SampleRoot, "Nuke", "out", "publish");
    readonly string releaseId = DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");

    string[] HostList => Hosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    string BaseFolder => Dest ?? (HostList.All(h => h == "local") ? Path.Combine(SampleRoot, "Nuke", "out", "local") : "/srv/hello-nuke");

    // Every task shares these: the tasks reuse one connection per host across targets.
    T Connect<T>(T s) where T : RmoteSettings => s.SetHosts(HostList).SetIdentity(Identity).SetKnownHostsFile(KnownHosts)
        .SetWhatIf(bool.TryParse(WhatIf, out var on) && on);

    Target Publish => _ => _
        .Executes(() => Run("dotnet", "publish", Path.Combine(SampleRoot, "Cake", "HelloApp", "HelloApp.csproj"), "-c", "Release", "-o", PublishDir, "-nologo"));

    Target Deploy => _ => _
        .DependsOn(Publish)
        .Executes(() => RmoteCopy(s => Connect(s)
            .SetSourceFolder(PublishDir)
            .SetDestinationFolder(BaseFolder)
            .EnableUseReleases()
            .SetReleaseId(releaseId)
            .SetKeepReleases(3)))
        .Executes(() => RmoteTemplate(s => Connect(s)
            .SetTemplateFile(Path.Combine(SampleRoot, "Cake", "hello.conf.tmpl"))
            .SetDestinationFile(BaseFolder + "/hello.conf")
            .AddVariables("greeting", "hello from Nuke")
            .AddVariables("release", releaseId)));

    Target Verify => _ => _
        .DependsOn(Deploy)
        .Executes(() => RmoteWaitForHealthy(s => Connect(s)
            .SetCommand("test", "-f", BaseFolder + "/current/HelloApp.dll")
            .SetTimeout(TimeSpan.FromSeconds(20))))
        .Executes(() => RmoteExec(s => Connect(s)
            .SetCommand("dotnet current/HelloApp.dll hello.conf")
            .SetWorkingDirectory(BaseFolder)
            .AddEnvironmentVariables("DOTNET_NOLOGO", "1")
            .AddSecretEnvironmentVariables("SAMPLE_API_TOKEN")));

    Target Rollback => _ => _
        .Executes(() => RmoteRollback(s => Connect(s).SetBaseFolder(BaseFolder)))
        .Executes(() => RmoteExec(s => Connect(s).SetCommand("readlink current").SetWorkingDirectory(BaseFolder)));
}
