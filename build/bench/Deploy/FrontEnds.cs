using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Rmote.TestRig;

/// <summary>
/// The front ends as users run them: a fresh `dotnet msbuild` of a project that references the packed Rmote.MSBuild
/// package, and a fresh `dotnet cake` of a script that loads the packed Cake.Rmote addin. Each has a deploy target
/// (RmoteCopy of the workload, then RmoteExec) and an empty one, whose time is the tool's own start. Two sets: the
/// packages as packed (ReadyToRun) and the same packed with -p:RmoteReadyToRun=false (IL only, as before), each to
/// its own destination, so one run times both under the same load.
/// </summary>
sealed partial class FrontEnds
{
    static readonly string[] Packages = ["tasks/Rmote.MSBuild", "src/Rmote.Cake"];

    // The tasks and aliases print one "rmote-jit:" line per step with this set (Rmote.Core's JitWindow).
    const string JitVariable = "RMOTE_JIT_STATS";

    readonly string dir;
    readonly Dictionary<string, string> env;

    FrontEnds(string dir, Dictionary<string, string> env, string suffix)
    {
        (this.dir, this.env, MsBuildDest, CakeDest) = (dir, env, "b-msb" + suffix, "b-cake" + suffix);
        (MsBuildNotKeptDest, CakeNotKeptDest) = ("b-msb-nk" + suffix, "b-cake-nk" + suffix);
        MsBuildInProcessDest = "b-msb-ip" + suffix;
    }

    /// <summary>The destination folder (under /srv) of the msbuild deploy that runs its tasks inside the build process (no build server).</summary>
    public string MsBuildInProcessDest { get; }

    /// <summary>JIT inside the Rmote steps of each timed in-process msbuild deploy.</summary>
    public List<JitSample> MsBuildInProcessJit { get; } = [];

    /// <summary>The deploy target's folder under each host's /srv.</summary>
    public string MsBuildDest { get; }

    /// <summary>The cake script's folder under each host's /srv.</summary>
    public string CakeDest { get; }

    /// <summary>The destination folders (under /srv) of the deploys with KeepRuntime off (BenchDeployNotKept, DeployNotKept).</summary>
    public string MsBuildNotKeptDest { get; }

    /// <inheritdoc cref="MsBuildNotKeptDest"/>
    public string CakeNotKeptDest { get; }

    /// <summary>JIT inside the Rmote steps of each timed msbuild deploy, and the whole process's by the last step's end.</summary>
    public List<JitSample> MsBuildJit { get; } = [];

    /// <summary>The same for each timed cake deploy.</summary>
    public List<JitSample> CakeJit { get; } = [];

    /// <summary>JIT methods and ms inside Rmote's steps of one run, the process's totals when the last step ended, and each step's time (ms).</summary>
    public sealed record JitSample(long Methods, double Ms, long ProcessMethods, double ProcessMs, (string Step, double Ms)[] Steps);

    /// <summary>Packs the two packages (no build: the bench's project references build them), as packed or, with
    /// <paramref name="il"/>, without ReadyToRun; writes the project and the script, restores both and runs each once
    /// untimed (Cake installs the addin on its first run).</summary>
    public static async Task<FrontEnds> CreateAsync(Bench bench, bool il = false)
    {
        var packed = await PackedFeed.GetAsync(Packages);
        var (feed, version) = (packed.Folder, packed.Version);
        if (il)
        {
            (feed, version) = (bench.Combine("feed-il"), packed.Version + "-il");
            foreach (var project in Packages)
                await Repo.DotNetAsync(Repo.Root, TimeSpan.FromMinutes(3), "pack", project, "--no-build", "--no-restore", "-c", Repo.Configuration,
                    "-o", feed, "-p:PackageVersion=" + version, "-p:RmoteReadyToRun=false", "-nologo");
        }
        var dir = bench.Combine(il ? "frontend-il" : "frontend");
        Directory.CreateDirectory(Path.Combine(dir, ".config"));
        File.Copy(Path.Combine(Repo.Root, ".config", "dotnet-tools.json"), Path.Combine(dir, ".config", "dotnet-tools.json"));
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /><add key="bench" value="{feed}" /></packageSources></configuration>
            """);
        // As the MSBuild tests run it: none of `dotnet run`'s MSBuild settings, no node reuse, no terminal logger.
        var env = Repo.DotNetEnvironment(new Dictionary<string, string>
        {
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["MSBUILDTERMINALLOGGER"] = "off",
            ["CAKE_PATHS_TOOLS"] = Path.Combine(dir, "tools"),
            ["CAKE_PATHS_ADDINS"] = Path.Combine(dir, "tools", "Addins"),
            // Cake's own script cache (a Cake setting): without it every run compiles the script with Roslyn, a start of
            // 10-40 s on this machine whose noise hides the deploy; with it the start is the cached assembly's load.
            ["CAKE_SETTINGS_ENABLESCRIPTCACHE"] = "true",
            [JitVariable] = "1",
        });
        foreach (var k in Environment.GetEnvironmentVariables().Keys.Cast<string>())
            if (k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k is "DOTNET_HOST_PATH") env[k] = null!;
        var fe = new FrontEnds(dir, env, il ? "-il" : "");
        File.WriteAllText(Path.Combine(dir, "bench.csproj"), fe.Project(bench, version));
        File.WriteAllText(Path.Combine(dir, "build.cake"), fe.Script(bench, version));
        (await fe.RunAsync(["msbuild", "bench.csproj", "-restore", "-t:BenchEmpty", "-nologo", "-v:m", "-nodeReuse:false"])).EnsureSuccess();
        (await fe.RunAsync(["cake", "build.cake", "--target=Empty"])).EnsureSuccess();
        return fe;
    }

    /// <summary>A fresh `dotnet msbuild -t:<paramref name="target"/>` (BenchEmpty or BenchDeploy), timed (s).</summary>
    public Task<double> MsBuildAsync(string target) => TimeAsync(["msbuild", "bench.csproj", "-t:" + target, "-nologo", "-v:m", "-nodeReuse:false"], MsBuildJit);

    /// <summary>The same deploy with its tasks inside the build process (<c>-p:RmoteBuildServer=false</c>), as before the build server, timed (s).</summary>
    public Task<double> MsBuildInProcessAsync() =>
        TimeAsync(["msbuild", "bench.csproj", "-t:BenchDeployInProcess", "-nologo", "-v:m", "-nodeReuse:false", "-p:RmoteBuildServer=false"], MsBuildInProcessJit);

    /// <summary>A fresh `dotnet cake --target=<paramref name="target"/>` (Empty or Deploy), timed (s).</summary>
    public Task<double> CakeAsync(string target) => TimeAsync(["cake", "build.cake", "--target=" + target], CakeJit);

    async Task<double> TimeAsync(string[] args, List<JitSample> jit)
    {
        await Bench.Settle();
        var sw = Stopwatch.StartNew();
        var r = await RunAsync(args);
        var t = sw.Elapsed.TotalSeconds;
        if (!r.Succeeded) throw new InvalidOperationException($"{string.Join(' ', args)} failed:\n{r.StdOut}\n{r.StdErr}");
        var lines = JitLine().Matches(r.StdOut).ToList();
        if (lines.Count > 0)
        {
            double D(Match m, string g) => double.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
            jit.Add(new JitSample((long)lines.Sum(m => D(m, "m")), lines.Sum(m => D(m, "ms")), (long)D(lines[^1], "pm"), D(lines[^1], "pms"),
                [.. lines.Select(m => (m.Groups["step"].Value, D(m, "wall")))]));
        }
        return t;
    }

    /// <summary>
    /// Writes a bash script that enters the front-end folder with the timed runs' environment and names the rsync peers'
    /// ssh lines (<c>PLAIN[i]</c>, <c>SHARED[i]</c>), the source (<c>SRC</c>) and each host (<c>DEST[i]</c>): for
    /// timing or profiling a fresh process by hand (perf, strace) while the bench holds the hosts up.
    /// </summary>
    public void WriteHoldScript(Bench bench, string file) => File.WriteAllLines(file,
    [
        $"cd {dir}",
        .. env.Select(kv => kv.Value is null ? $"unset {kv.Key}" : $"export {kv.Key}='{kv.Value}'"),
        $"SRC='{bench.Src}'",
        .. bench.Hosts.SelectMany((h, i) => new[]
        {
            $"PLAIN[{i}]='{Peers.SshE(h)}'", $"SHARED[{i}]='{Peers.SshESharing(bench, h)}'", $"DEST[{i}]='{h.UserAtHost}'",
        }),
    ]);

    Task<ProcessResult> RunAsync(string[] args) => ProcessRunner.RunAsync("dotnet", args, dir, JitListing(args) ?? env, TimeSpan.FromMinutes(5));

    int listed;

    // BENCH_JIT_LIST=<folder>: each run writes the runtime's list of the methods it JIT-compiled (DOTNET_JitDisasmSummary,
    // which release runtimes have) to <folder>/<n>-<target>.txt: which code ReadyToRun did not cover, and at which tier.
    Dictionary<string, string>? JitListing(string[] args)
    {
        if (Environment.GetEnvironmentVariable("BENCH_JIT_LIST") is not { Length: > 0 } folder) return null;
        Directory.CreateDirectory(folder);
        var target = args.Last().Split(':', '=').Last();
        return new Dictionary<string, string>(env)
        {
            ["DOTNET_JitDisasmSummary"] = "1",
            ["DOTNET_JitStdOutFile"] = Path.Combine(folder, $"{Interlocked.Increment(ref listed):000}-{args[0]}-{target}{(dir.EndsWith("-il", StringComparison.Ordinal) ? "-il" : "")}.txt"),
        };
    }

    [GeneratedRegex(@"rmote-jit: (?<step>\S+) methods=\+(?<m>\d+) ms=\+(?<ms>[\d.]+) process-methods=(?<pm>\d+) process-ms=(?<pms>[\d.]+) step-ms=(?<wall>[\d.]+)")]
    private static partial Regex JitLine();

    string Project(Bench bench, string version) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <EnableDefaultItems>false</EnableDefaultItems>
            <RestorePackagesPath>{Path.Combine(dir, "packages")}</RestorePackagesPath>
            <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="Rmote.MSBuild" Version="{version}" />
            {string.Join("\n    ", bench.Hosts.Select(h =>
                $"""<RmoteHost Include="{h.Target}" Name="{h.Name}" IdentityFile="{h.IdentityFile}" KnownHostsFile="{h.KnownHostsFile}" Python="{Bench.RemotePython}" />"""))}
            <RmoteHostNotKept Include="@(RmoteHost)" KeepRuntime="false" />
            <AppFiles Include="{bench.Src}/**" />
          </ItemGroup>
          <Target Name="BenchEmpty" />
          <Target Name="BenchDeploy">
            <RmoteCopy Hosts="@(RmoteHost)" SourceFiles="@(AppFiles)" DestinationFolder="/srv/{MsBuildDest}" />
            <RmoteExec Hosts="@(RmoteHost)" ShellCommand="true" />
          </Target>
          <Target Name="BenchDeployInProcess">
            <RmoteCopy Hosts="@(RmoteHost)" SourceFiles="@(AppFiles)" DestinationFolder="/srv/{MsBuildInProcessDest}" />
            <RmoteExec Hosts="@(RmoteHost)" ShellCommand="true" />
          </Target>
          <Target Name="BenchDeployNotKept">
            <RmoteCopy Hosts="@(RmoteHostNotKept)" SourceFiles="@(AppFiles)" DestinationFolder="/srv/{MsBuildNotKeptDest}" />
            <RmoteExec Hosts="@(RmoteHostNotKept)" ShellCommand="true" />
          </Target>
        </Project>
        """;

    string Script(Bench bench, string version) => $$"""
        #addin nuget:?package=Cake.Rmote&version={{version}}
        var hosts = new[] { {{string.Join(", ", bench.Hosts.Select(h => $"\"{h.Target}\""))}} };
        T Conn<T>(T s) where T : RmoteSettings => s.WithIdentity("{{bench.Hosts[0].IdentityFile}}").WithKnownHostsFile("{{bench.Hosts[0].KnownHostsFile}}").WithPython("{{Bench.RemotePython}}");
        Task("Empty");
        Task("Deploy").Does(() =>
        {
            RmoteCopy(hosts, "{{bench.Src}}", "/srv/{{CakeDest}}", Conn(new RmoteCopySettings()));
            RmoteExec(hosts, "true", Conn(new RmoteExecSettings()));
        });
        Task("DeployNotKept").Does(() =>
        {
            RmoteCopy(hosts, "{{bench.Src}}", "/srv/{{CakeNotKeptDest}}", Conn(new RmoteCopySettings()).WithKeepRuntime(false));
            RmoteExec(hosts, "true", Conn(new RmoteExecSettings()).WithKeepRuntime(false));
        });
        RunTarget(Argument("target", "Deploy"));
        """;
}
