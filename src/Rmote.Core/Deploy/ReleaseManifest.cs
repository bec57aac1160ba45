using System.Diagnostics;
using System.Globalization;

namespace Rmote.Deploy;

/// <summary>
/// What each release records about itself in <c>releases/&lt;id&gt;/.rmote-release.json</c>: which commit and build
/// it came from, who deployed it from which machine, when, and how many files it holds. Written by the host when
/// the release is complete; read back by <see cref="Releases.ListAsync"/>.
/// </summary>
/// <param name="Id">The release id (set by the host).</param>
/// <param name="Commit">The source commit (<c>git rev-parse HEAD</c> of the project), or empty outside git.</param>
/// <param name="Build">The CI build id (<c>GITHUB_RUN_ID</c>, <c>BUILD_BUILDID</c>, <c>CI_PIPELINE_ID</c>...), or empty.</param>
/// <param name="User">The controller's user name.</param>
/// <param name="Controller">The controller's machine name.</param>
/// <param name="Time">When the deploy started, UTC (ISO-8601).</param>
/// <param name="Files">Files the release holds from the source (shared paths not counted).</param>
public sealed record ReleaseManifest(string? Id, string Commit, string Build, string User, string Controller, string Time, int Files)
{
    /// <summary>The manifest's file name in each release folder (the host tool writes it; a new release never copies it from the current one).</summary>
    public const string FileName = ".rmote-release.json";

    /// <summary>The release's shared paths (<see cref="Releases.SharedPaths"/>).</summary>
    public IReadOnlyList<string> SharedPaths { get; init; } = [];

    /// <summary>CI variables holding a build id, first set wins: GitHub Actions, Azure Pipelines, GitLab, Jenkins/TeamCity, CircleCI, Bitbucket, Buildkite, AppVeyor.</summary>
    public static readonly IReadOnlyList<string> BuildVariables =
        ["GITHUB_RUN_ID", "BUILD_BUILDID", "CI_PIPELINE_ID", "BUILD_NUMBER", "CIRCLE_BUILD_NUM", "BITBUCKET_BUILD_NUMBER", "BUILDKITE_BUILD_NUMBER", "APPVEYOR_BUILD_ID"];

    /// <summary>
    /// The manifest of a deploy started now from <paramref name="sourceFolder"/> (the project or script folder, where
    /// git is asked for the commit; the current folder when null). Never throws for a missing git or repository.
    /// </summary>
    public static ReleaseManifest Detect(string? sourceFolder) =>
        new(null, GitCommit(sourceFolder ?? Environment.CurrentDirectory), BuildId(), Environment.UserName, Environment.MachineName,
            DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), 0);

    static string BuildId() =>
        BuildVariables.Select(Environment.GetEnvironmentVariable).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim() ?? "";

    static string GitCommit(string folder)
    {
        if (!Directory.Exists(folder)) return "";
        try
        {
            var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
            foreach (var a in (string[])["rev-parse", "--verify", "-q", "HEAD"]) start.ArgumentList.Add(a);
            using var git = Process.Start(start);
            if (git == null) return "";
            var stdout = git.StandardOutput.ReadToEndAsync();
            _ = git.StandardError.ReadToEndAsync();
            // a commit id is a courtesy: a git that hangs (a credential prompt, a huge repo on a slow disk) must not hold the deploy
            if (!git.WaitForExit(TimeSpan.FromSeconds(10))) { git.Kill(true); return ""; }
            var text = stdout.GetAwaiter().GetResult().Trim();
            return git.ExitCode == 0 && text.Length is >= 40 and <= 64 && text.All(char.IsAsciiHexDigit) ? text : "";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return ""; // no git on the controller
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Join(" ", new[]
        {
            Commit.Length > 0 ? "commit " + Commit[..Math.Min(12, Commit.Length)] : null,
            Build.Length > 0 ? "build " + Build : null,
            $"by {User} on {Controller} at {Time}",
            $"{Files} file(s)",
        }.OfType<string>());
}

/// <summary>What <see cref="Releases"/> did to a staged release's shared paths.</summary>
/// <param name="Created">Shared paths created under <c>&lt;base&gt;/shared</c> (first deploy; a folder ends with '/').</param>
/// <param name="Linked">Paths of the release made (or remade) symlinks to <c>&lt;base&gt;/shared</c>.</param>
public sealed record SharedLinked(IReadOnlyList<string> Created, IReadOnlyList<string> Linked);

/// <summary>A release staged on every host and not yet live: what a <see cref="Releases.BeforeSwitch"/> hook checks.</summary>
/// <param name="ReleaseId">The release id (the same on every host).</param>
/// <param name="BaseFolder">The releases' base folder.</param>
/// <param name="ReleaseFolder">The staged release's folder, <c>&lt;base&gt;/releases/&lt;id&gt;</c>.</param>
/// <param name="Hosts">The hosts it is staged on.</param>
public sealed record ReleaseStaged(string ReleaseId, string BaseFolder, string ReleaseFolder, IReadOnlyList<string> Hosts);
