using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Rmote.Deploy;
using Rmote.Operations;

namespace Rmote.MSBuild;

/// <summary>
/// Copies files to a folder on every host, like MSBuild's <c>Copy</c> task but remote and incremental: only files
/// that differ are sent, each written atomically. Optionally as a release (<c>releases/&lt;id&gt;</c> + <c>current</c>).
/// </summary>
public sealed class RmoteCopy : RmoteTask
{
    /// <summary>
    /// Files to copy. Each goes under the destination to its <c>%(RelativePath)</c> (what <c>@(ResolvedFileToPublish)</c>
    /// items carry), else its <c>%(DestinationSubPath)</c>, else <c>%(RecursiveDir)%(Filename)%(Extension)</c>; a path that
    /// would leave the destination (<c>..</c>, absolute) is refused before any host is touched.
    /// </summary>
    public ITaskItem[]? SourceFiles { get; set; }

    /// <summary>A local folder whose contents are copied (instead of <see cref="SourceFiles"/>).</summary>
    public string? SourceFolder { get; set; }

    /// <summary>Folder on the hosts (absolute, <c>~/...</c>, or relative to the deploy folder); with releases, the base folder holding <c>releases/</c> and <c>current</c>.</summary>
    [Required]
    public string DestinationFolder { get; set; } = "";

    /// <summary>Allow a DestinationFolder normally refused as a mistake (the host's root, the home folder itself, a top-level system folder such as /etc or /srv). Default false.</summary>
    public bool AllowDangerousDestination { get; set; }

    /// <summary>Skip files whose size and modification time match (default true). False compares content (SHA-256) instead; identical content is never resent.</summary>
    public bool SkipUnchangedFiles { get; set; } = true;

    /// <summary>Delete files on the host that are not part of the source (always done inside a new release).</summary>
    public bool DeleteExtraneous { get; set; }

    /// <summary>zlib-compress file data on the wire (like rsync <c>-z</c>): worth it on slow links, a CPU cost on a LAN. Default false.</summary>
    public bool Compress { get; set; }

    /// <summary>Send changed files whole (like rsync <c>--whole-file</c>) instead of only the blocks that differ from the host's version. Default false.</summary>
    public bool WholeFile { get; set; }

    /// <summary>Octal mode for every copied file (<c>0644</c>); empty keeps the source modes.</summary>
    public string? FileMode { get; set; }

    /// <summary>Octal mode for every created folder (<c>0755</c>).</summary>
    public string? DirectoryMode { get; set; }

    /// <summary>Owner (name or uid) of the copied files; needs root on the host.</summary>
    public string? Owner { get; set; }

    /// <summary>Group (name or gid) of the copied files.</summary>
    public string? Group { get; set; }

    /// <summary>Have each host verify each written file's SHA-256 before it replaces the old one (default false).</summary>
    public bool VerifyChecksum { get; set; }

    /// <summary>Deploy as a release under <see cref="DestinationFolder"/> (implied by <see cref="ReleaseId"/>).</summary>
    public bool UseReleases { get; set; }

    /// <summary>Release id (letters, digits, '.', '_', '-'); default a UTC timestamp. The id used is the <see cref="ReleaseIdUsed"/> output.</summary>
    public string? ReleaseId { get; set; }

    /// <summary>Releases kept after the switch (default 5).</summary>
    public int KeepReleases { get; set; } = StepDefaults.KeepReleases;

    /// <summary>With releases: milliseconds to wait for another deploy holding the base's lock (default 60000).</summary>
    public int LockTimeout { get; set; } = (int)StepDefaults.LockTimeout.TotalMilliseconds;

    /// <summary>Extra attempts for a host whose copy failed (default 0), like Copy's Retries.</summary>
    public int Retries { get; set; }

    /// <summary>Pause before a retry in milliseconds (default 1000).</summary>
    public int RetryDelayMilliseconds { get; set; } = (int)StepDefaults.RetryDelay.TotalMilliseconds;

    /// <summary>
    /// With releases: files and folders (a folder ends with '/') kept in <c>&lt;base&gt;/shared</c> and symlinked into each
    /// release (<c>appsettings.Production.json;storage/</c>): created on the first deploy, never copied over nor deleted.
    /// </summary>
    public string[]? SharedPaths { get; set; }

    /// <summary>With releases: a deploy that changes nothing keeps the current release instead of making a new one (default false).</summary>
    public bool ReuseUnchangedRelease { get; set; }

    /// <summary>With releases: switch <c>current</c> and prune (default true); false stages the release only, for a later <c>RmoteReleaseSwitch</c>.</summary>
    public bool SwitchRelease { get; set; } = true;

    /// <summary>True when <see cref="ReuseUnchangedRelease"/> kept the current release (<see cref="ReleaseIdUsed"/> is that release).</summary>
    [Output]
    public bool ReleaseReused { get; private set; }

    /// <summary>
    /// Milliseconds between two progress lines of one host (<c>web01: RmoteCopy: copying 42% of 500.0 MiB (3/10 files), 118.3 MiB/s</c>);
    /// a copy shorter than this prints none. Default 2000; 0 turns progress lines off.
    /// </summary>
    public int ProgressInterval { get; set; } = (int)StepDefaults.ProgressInterval.TotalMilliseconds;

    /// <summary>One item per host and file sent: spec = destination path on the host; metadata Host, RelativePath.</summary>
    [Output]
    public ITaskItem[] CopiedFiles { get; private set; } = [];

    /// <summary>The release id deployed (empty without releases).</summary>
    [Output]
    public string ReleaseIdUsed { get; private set; } = "";

    /// <summary>The folder the files went to on every host: the release folder with releases, else <see cref="DestinationFolder"/>.</summary>
    [Output]
    public string DeployedFolder { get; private set; } = "";

    /// <inheritdoc/>
    protected override string FailureCode => ErrorCodes.CopyFailed;

    CopyRequest? request;

    /// <inheritdoc/>
    protected override object Validate() => request = StepMapper.Copy(new CopyStep
    {
        SourceFiles = SourceFiles is { Length: > 0 } items ? [.. items.Select(ToCopyItem)] : null,
        SourceFolder = SourceFolder,
        DestinationFolder = DestinationFolder,
        AllowDangerousDestination = AllowDangerousDestination,
        SkipUnchangedFiles = SkipUnchangedFiles,
        DeleteExtraneous = DeleteExtraneous,
        Compress = Compress,
        WholeFile = WholeFile,
        FileMode = FileMode,
        DirectoryMode = DirectoryMode,
        Owner = Owner,
        Group = Group,
        VerifyChecksum = VerifyChecksum,
        UseReleases = UseReleases,
        ReleaseId = ReleaseId,
        KeepReleases = KeepReleases,
        LockTimeout = Milliseconds(LockTimeout, nameof(LockTimeout)),
        Retries = Retries,
        RetryDelay = Milliseconds(RetryDelayMilliseconds, nameof(RetryDelayMilliseconds)),
        DeployFolder = RemoteDeployFolder,
        SharedPaths = SharedPaths,
        ReuseUnchangedRelease = ReuseUnchangedRelease,
        SwitchRelease = SwitchRelease,
        ProgressInterval = Milliseconds(ProgressInterval, nameof(ProgressInterval)),
    }, ProjectDirectory);

    // The metadata MSBuild's own item types use for "where under the output folder", in the order the first one set wins:
    // publish items (ResolvedFileToPublish) carry RelativePath, Copy-style items DestinationSubPath, globbed items RecursiveDir.
    static readonly string[] SubPathMetadata = ["RelativePath", "DestinationSubPath"];

    static CopyItem ToCopyItem(ITaskItem item)
    {
        var (sub, from) = SubPath(item);
        try
        {
            DestinationPath.Normalize(sub);
        }
        catch (ArgumentException e)
        {
            // Named by item and metadata: the user fixes an item, not a path the engine derived.
            var reason = e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
            throw new ArgumentException($"SourceFiles item '{item.ItemSpec}' has {from} '{sub}', which is refused: {reason} Set its {from} to a path under DestinationFolder.");
        }
        return new CopyItem(item.ItemSpec, sub);
    }

    static (string Path, string From) SubPath(ITaskItem item)
    {
        foreach (var name in SubPathMetadata)
        {
            var value = item.GetMetadata(name);
            if (value.Length > 0) return (value, $"%({name})");
        }
        return (item.GetMetadata("RecursiveDir") + item.GetMetadata("Filename") + item.GetMetadata("Extension"), "%(RecursiveDir)%(Filename)%(Extension)");
    }

    /// <inheritdoc/>
    private protected override void BeforeConnect(CancellationToken cancellationToken)
    {
        if (request != null) _ = SourcePrefetch.Start(request, cancellationToken);
    }

    /// <inheritdoc/>
    protected override async Task<bool> RunAsync(FleetOperations ops, CancellationToken cancellationToken)
    {
        ops = new FleetOperations(ops.Session) { WhatIf = ops.WhatIf, OnCopyProgress = p => PostMessage(MessageImportance.High, p.Host, $"{TaskLabel}: {p.Summary}") };
        var result = await ops.CopyAsync(request!, cancellationToken).ConfigureAwait(false);

        var copied = new List<ITaskItem>();
        foreach (var row in result.Successes)
        {
            var c = row.Value!.Copy;
            foreach (var rel in c.CopiedFiles)
            {
                var item = new TaskItem(ItemText.Escape(c.DestinationFolder.TrimEnd('/') + "/" + rel));
                item.SetMetadata("Host", ItemText.Escape(row.Host));
                item.SetMetadata("RelativePath", ItemText.Escape(rel));
                copied.Add(item);
                PostMessage(MessageImportance.Normal, row.Host, "copied " + rel);
            }
            foreach (var rel in c.DeletedFiles) PostMessage(MessageImportance.Normal, row.Host, "deleted " + rel);
            if (row.Value.Attempts > 1) PostMessage(MessageImportance.Normal, row.Host, $"copy succeeded on attempt {row.Value.Attempts}");
        }
        CopiedFiles = [.. copied];
        var kept = result.Successes.Select(r => r.Value!.Release).FirstOrDefault(r => r is { Reused: true });
        ReleaseReused = kept != null;
        ReleaseIdUsed = kept?.ReleaseId ?? request!.ReleaseId ?? "";
        var destination = request!.Options.DestinationFolder;
        DeployedFolder = ReleaseIdUsed.Length > 0 ? new Releases(destination, AllowDangerousDestination).ReleasePath(ReleaseIdUsed) : destination;
        return Report(result);
    }
}
