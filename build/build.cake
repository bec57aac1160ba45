// The repository's own build, run with the Cake.Tool pinned in .config/dotnet-tools.json:
//
//   build/build.sh [--target=<name>] [options]        (= dotnet tool restore && dotnet cake build/build.cake ...)
//
// Targets (each runs what it depends on first):
//   Build      dotnet build Rmote.Build.sln -c Release
//   Test       build/test.sh, THE test command (python unittest suite on every python3, every xunit project,
//              per-project totals and the "N passed, N failed" line); it builds the solution itself
//   Pack       every package (Rmote.Core, Rmote.MSBuild, Cake.Rmote, Rmote.Nuke) into artifacts/packages
//   Samples    Pack, then the samples against the packed packages: samples/Cake/build.cake (#addin from the feed),
//              samples/Nuke (PackageReference from the feed), samples/MSBuildDeploy (build/deploy-sample.sh)
//   Bench      every benchmark under build/bench/* (Release)
//   Default    Build, Test, Pack, Samples                       (the default target)
//   All        Default, then Bench
//
// Options: --configuration=Release, --package-version=<v> (default: <Version> of Directory.Build.props),
//   --hosts=local|user@host:port,... (samples' targets), --identity=<key>, --known-hosts=<file>,
//   --bench-rounds=<n> (default 1), --skip-tests (Default without Test, e.g. when CI ran them already).
//
// Stale packages: `#addin` and restores keep a package by id and version (Cake under samples/Cake/tools/Addins,
// NuGet in its global cache), so before running the samples this script removes our own ids at the packed version
// from both; other ids and versions are left alone.
using System.Text.RegularExpressions;

var target = Argument("target", "Default");
var configuration = Argument("configuration", "Release");
var root = MakeAbsolute(Directory("."));
while (!FileExists(root.CombineWithFilePath("Rmote.Build.sln")))
{
    if (root.Segments.Length <= 1) throw new CakeException("Run from inside the repository (Rmote.Build.sln not found).");
    root = root.Combine("..").Collapse();
}
var props = System.IO.File.ReadAllText(root.CombineWithFilePath("Directory.Build.props").FullPath);
var packageVersion = Argument("package-version", Regex.Match(props, "<Version>([^<]+)</Version>").Groups[1].Value);
var feed = root.Combine("artifacts/packages");
var hosts = Argument("hosts", "local");
var identity = Argument<string>("identity", null);
var knownHosts = Argument<string>("known-hosts", null);
var benchRounds = Argument("bench-rounds", 1);
var packages = new[] { "src/Rmote.Core", "tasks/Rmote.MSBuild", "src/Rmote.Cake", "src/Rmote.Nuke" };

void Run(string program, string arguments, DirectoryPath workingDirectory = null, IDictionary<string, string> env = null)
{
    Information("> {0} {1}", program, arguments);
    var settings = new ProcessSettings { Arguments = arguments, WorkingDirectory = workingDirectory ?? root, EnvironmentVariables = env };
    var code = StartProcess(program, settings);
    if (code != 0) throw new CakeException($"{program} {arguments} exited with code {code}");
}

string[] SampleArguments(string prefix, string separator)
{
    var list = new List<string> { $"{prefix}hosts{separator}{hosts}" };
    if (identity != null) list.Add($"{prefix}identity{separator}{identity}");
    if (knownHosts != null) list.Add($"{prefix}known-hosts{separator}{knownHosts}");
    return list.ToArray();
}

Task("Build").Does(() =>
    Run("dotnet", $"build Rmote.Build.sln -c {configuration} -nologo"));

Task("Test").WithCriteria(!HasArgument("skip-tests"), "--skip-tests").Does(() =>
    // test.sh builds (Release) and installs what the rig needs itself; the Build target is not a prerequisite.
    Run("bash", "build/test.sh"));

Task("Pack").IsDependentOn("Build").Does(() =>
{
    EnsureDirectoryExists(feed);
    foreach (var project in packages)
    {
        if (!DirectoryExists(root.Combine(project))) { Warning("{0} is not in this tree: not packed", project); continue; }
        Run("dotnet", $"pack {project} -c {configuration} --no-build -o \"{feed}\" -p:PackageVersion={packageVersion} -nologo");
    }
    foreach (var nupkg in GetFiles(feed.FullPath + "/*." + packageVersion + ".nupkg"))
        Information("{0,-40} {1,10:N0} bytes", nupkg.GetFilename(), new System.IO.FileInfo(nupkg.FullPath).Length);
});

Task("ForgetCachedPackages").Does(() =>
{
    var cache = EnvironmentVariable("NUGET_PACKAGES") ?? System.IO.Path.Combine(EnvironmentVariable("HOME") ?? "~", ".nuget", "packages");
    foreach (var id in new[] { "rmote.core", "rmote.msbuild", "cake.rmote", "rmote.nuke" })
    {
        var dir = Directory(cache) + Directory(id) + Directory(packageVersion);
        if (DirectoryExists(dir)) DeleteDirectory(dir, new DeleteDirectorySettings { Recursive = true, Force = true });
    }
    foreach (var dir in GetDirectories(root.FullPath + "/samples/Cake/tools/Addins/Cake.Rmote.*"))
        DeleteDirectory(dir, new DeleteDirectorySettings { Recursive = true, Force = true });
});

Task("Samples").IsDependentOn("Pack").IsDependentOn("ForgetCachedPackages").Does(() =>
{
    var sampleEnv = new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1" };
    var cakeSample = root.CombineWithFilePath("samples/Cake/build.cake");
    var pinned = Regex.Match(System.IO.File.ReadAllText(cakeSample.FullPath), @"Cake\.Rmote&version=([^\s]+)").Groups[1].Value;
    if (pinned != packageVersion)
        Warning("samples/Cake/build.cake pins Cake.Rmote {0}, packed {1}: the sample uses {0}", pinned, packageVersion);
    Run("dotnet", "cake build.cake " + string.Join(' ', SampleArguments("--", "=")), root.Combine("samples/Cake"), sampleEnv);
    Run("dotnet", $"run --project samples/Nuke -c {configuration} -p:RmoteVersion={packageVersion} -- " + string.Join(' ', SampleArguments("--", " ")), root, sampleEnv);
    if (FileExists(root.CombineWithFilePath("build/deploy-sample.sh")))
    {
        // The MSBuild sample's own script; RMOTE_SKIP_PACK: the package was just packed above.
        var msbuildArgs = hosts == "local" ? "" : $"\"-p:RmoteHosts={hosts.Replace(',', ';')}\""
            + (identity != null ? $" \"-p:RmoteIdentityFile={identity}\"" : "")
            + (knownHosts != null ? $" \"-p:RmoteKnownHostsFile={knownHosts}\"" : "");
        Run("bash", "build/deploy-sample.sh " + msbuildArgs, root, new Dictionary<string, string>(sampleEnv) { ["RMOTE_SKIP_PACK"] = "1" });
    }
    else
        Information("build/deploy-sample.sh (the MSBuild sample) is not in this tree: skipped");
});

Task("Bench").Does(() =>
{
    foreach (var project in GetFiles(root.FullPath + "/build/bench/*/*.csproj"))
        Run("dotnet", $"run -c Release --project \"{project.GetDirectory()}\" -- --rounds {benchRounds}");
});

Task("Default")
    .IsDependentOn("Build")
    .IsDependentOn("Test")
    .IsDependentOn("Pack")
    .IsDependentOn("Samples");

Task("All").IsDependentOn("Default").IsDependentOn("Bench");

RunTarget(target);
