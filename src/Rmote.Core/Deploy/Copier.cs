using System.Diagnostics;
using Rmote.Fleet;

namespace Rmote.Deploy;

/// <summary>
/// Copies a local folder or file set to a folder on one host or many: compares first (size+mtime or SHA-256),
/// sends only what differs as raw binary frames with several files in flight, writes every file atomically
/// (temp name, fsync, rename), and optionally deletes extraneous files.
/// </summary>
/// <remarks>
/// Each copy reads the local side afresh (a fleet copy reads it once for all hosts) and validates it before
/// anything is sent: paths that would escape the destination are refused. A copier may be reused and may run
/// on many hosts at once.
/// </remarks>
public sealed class Copier
{
    /// <summary>Creates a copier; nothing is read until a copy starts.</summary>
    public Copier(CopySource source, CopyOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Source = source;
        Options = options;
    }

    /// <summary>What is copied.</summary>
    public CopySource Source { get; }

    /// <summary>How it is copied.</summary>
    public CopyOptions Options { get; }

    /// <summary>Copies <paramref name="source"/> to one host.</summary>
    public static Task<CopyResult> CopyAsync(Protocol protocol, CopySource source, CopyOptions options, CancellationToken cancellationToken = default) =>
        new Copier(source, options).CopyAsync(protocol, cancellationToken);

    /// <summary>
    /// Starts reading the local side now, typically just before connecting, so the walk (and the hashing, with checksums)
    /// overlaps the SSH logins, as the MSBuild, Cake and Nuke front ends do. The next copy by this copier takes that
    /// read, once, instead of reading again: it sends the source as it was when the read started (validated the same
    /// way, and a file changed since then is refused as any file changed during a copy is). A failed read fails that
    /// copy with the error a fresh read gives. Later copies read afresh.
    /// </summary>
    /// <example><code>
    /// var copier = new Copier(CopySource.FromFolder("publish"), new CopyOptions { DestinationFolder = "/srv/app" });
    /// _ = copier.StartReading();
    /// await using var session = await FleetSession.ConnectAsync(hosts);
    /// var result = await copier.CopyAsync(session);
    /// </code></example>
    /// <param name="cancellationToken">Stops the read (the copy that takes it then reports the cancellation).</param>
    /// <returns>The read, for a caller that wants to know it finished; it need not be awaited (the copy reports its failure).</returns>
    public Task StartReading(CancellationToken cancellationToken = default) => SourcePrefetch.Start(Source, Options, cancellationToken) ?? Task.CompletedTask;

    /// <summary>Reads and validates the local side without copying (throws for unsafe or conflicting paths).</summary>
    public Task PrepareAsync(CancellationToken cancellationToken = default) => ReadSourceAsync(cancellationToken);

    // Returns the read's task, no async layer over it: one state machine less to JIT in a fresh build process.
    internal Task<SourceManifest> ReadSourceAsync(CancellationToken cancellationToken) =>
        SourcePrefetch.Take(Source, Options) is { } started ? started.WaitAsync(cancellationToken) : ReadFreshAsync(cancellationToken);

    /// <summary>Reads the local side now (no read started earlier is used).</summary>
    internal Task<SourceManifest> ReadFreshAsync(CancellationToken cancellationToken)
    {
        var walk = Task.Run(() => SourceManifest.Build(Source, Options), cancellationToken);
        // Without hashes the walk's own task: no async layer over it to JIT in a fresh build process.
        return Options.Compare == CompareMode.Checksum || Options.VerifyChecksum ? HashedAsync(walk, cancellationToken) : walk;

        static async Task<SourceManifest> HashedAsync(Task<SourceManifest> walk, CancellationToken cancellationToken)
        {
            var m = await walk.ConfigureAwait(false);
            await m.EnsureHashesAsync(cancellationToken).ConfigureAwait(false);
            return m;
        }
    }

    /// <summary>Copies to every connected host of <paramref name="session"/>, under its fan-out options (the source is read once).</summary>
    public async Task<FleetResult<CopyResult>> CopyAsync(FleetSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var m = await ReadSourceAsync(cancellationToken).ConfigureAwait(false);
        var cache = new ChunkCache(session.Hosts.Count(h => h.IsConnected));
        return await session.RunAsync((p, ct) => CopyToAsync(p, m, cache, Options.DestinationFolder, Options.DeleteExtraneous, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies to the host behind <paramref name="protocol"/>.</summary>
    public async Task<CopyResult> CopyAsync(Protocol protocol, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        var m = await ReadSourceAsync(cancellationToken).ConfigureAwait(false);
        return await CopyToAsync(protocol, m, new ChunkCache(1), Options.DestinationFolder, Options.DeleteExtraneous, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What copying an already read source to <paramref name="destination"/> would change (WhatIf): the host's sync plan
    /// in compare-only mode. Nothing on the host changes: no folder, temp file or metadata is written.
    /// </summary>
    internal async Task<CopyPreview> PreviewAsync(Protocol protocol, SourceManifest m, string destination, bool deleteExtraneous, CancellationToken cancellationToken)
    {
        DestinationPath.ValidateRoot(destination, Options.AllowDangerousDestination);
        if (Options.AllowDangerousDestination)  // connection state only: the host writes nothing for it
            await protocol.CallAsync(DeployTool.AllowDestination, destination, cancellationToken).ConfigureAwait(false);
        var plan = await ManifestPieces.PlanAsync(protocol, m, Options, destination, deleteExtraneous, cancellationToken, apply: false).ConfigureAwait(false);
        var sizes = plan.DeletedSizes;
        return new CopyPreview
        {
            DestinationFolder = destination,
            Copy = [.. plan.Send.Select(e => new PlannedFile(e.Path, e.Size))],
            Delete = [.. plan.Deleted.Select((p, i) => new PlannedFile(p, sizes != null && i < sizes.Count ? sizes[i] : 0))],
            Unchanged = plan.Skipped,
            LinksChanged = plan.LinksChanged,
            MetadataFixed = plan.MetaFixed,
        };
    }

    /// <summary>Copies an already read source to a folder (used for releases too).</summary>
    internal async Task<CopyResult> CopyToAsync(Protocol protocol, SourceManifest m, ChunkCache cache, string destination, bool deleteExtraneous, CancellationToken cancellationToken)
    {
        DestinationPath.ValidateRoot(destination, Options.AllowDangerousDestination);
        if (Options.AllowDangerousDestination)  // the host refuses the same folders unless told the user meant it
            await protocol.CallAsync(DeployTool.AllowDestination, destination, cancellationToken).ConfigureAwait(false);
        var sw = Stopwatch.StartNew();
        var o = Options;
        var plan = await ManifestPieces.PlanAsync(protocol, m, o, destination, deleteExtraneous, cancellationToken).ConfigureAwait(false);
        var sender = new FileSender(protocol, destination, o, plan.Send, sw, cache, plan.Basis);
        var bytes = await sender.SendAsync(cancellationToken).ConfigureAwait(false);
        return new CopyResult
        {
            Host = protocol.Name,
            DestinationFolder = destination,
            CopiedFiles = new EntryPaths(plan.Send),
            DeletedFiles = plan.Deleted,
            Skipped = plan.Skipped,
            DirectoriesCreated = plan.DirsCreated,
            LinksChanged = plan.LinksChanged,
            MetadataFixed = plan.MetaFixed,
            TempFilesRemoved = plan.TempsRemoved,
            BytesSent = bytes,
            Warnings = m.Warnings,
            Duration = sw.Elapsed,
        };
    }
}
