using System.Diagnostics;
using Rmote.Fleet;

namespace Rmote.Deploy;

/// <summary>
/// Copies a local folder or file set to a folder on one host or many: compares first (size+mtime or SHA-256),
/// sends only what differs as raw binary frames with several files in flight, writes every file atomically
/// (temp name, fsync, rename), and optionally deletes extraneous files.
/// </summary>
/// <remarks>
/// The local side is enumerated and validated once (on first use) and shared by every host; paths that would
/// escape the destination are refused before anything is sent. One <see cref="Copier"/> may run on many hosts at once.
/// </remarks>
public sealed class Copier
{
    readonly Lazy<Task<SourceManifest>> manifest;

    /// <summary>Creates a copier; nothing is read until the first copy.</summary>
    public Copier(CopySource source, CopyOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Source = source;
        Options = options;
        manifest = new Lazy<Task<SourceManifest>>(() => Task.Run(BuildManifestAsync));
    }

    /// <summary>What is copied.</summary>
    public CopySource Source { get; }

    /// <summary>How it is copied.</summary>
    public CopyOptions Options { get; }

    /// <summary>Copies <paramref name="source"/> to one host.</summary>
    public static Task<CopyResult> CopyAsync(Protocol protocol, CopySource source, CopyOptions options, CancellationToken cancellationToken = default) =>
        new Copier(source, options).CopyAsync(protocol, cancellationToken);

    /// <summary>Reads and validates the local side now (it is otherwise done by the first copy). Throws for unsafe paths.</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken = default) =>
        await manifest.Value.WaitAsync(cancellationToken).ConfigureAwait(false);

    async Task<SourceManifest> BuildManifestAsync()
    {
        var m = SourceManifest.Build(Source, Options);
        if (Options.Compare == CompareMode.Checksum || Options.VerifyChecksum)
            await m.EnsureHashesAsync(CancellationToken.None).ConfigureAwait(false);
        return m;
    }

    /// <summary>Copies to every connected host of <paramref name="session"/>, under its fan-out options.</summary>
    public Task<FleetResult<CopyResult>> CopyAsync(FleetSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.RunAsync((p, ct) => CopyAsync(p, ct), cancellationToken);
    }

    /// <summary>Copies to the host behind <paramref name="protocol"/>.</summary>
    public Task<CopyResult> CopyAsync(Protocol protocol, CancellationToken cancellationToken = default) =>
        CopyToAsync(protocol, Options.DestinationFolder, Options.DeleteExtraneous, cancellationToken);

    /// <summary>Copies to another folder than <see cref="CopyOptions.DestinationFolder"/> (used for releases).</summary>
    internal async Task<CopyResult> CopyToAsync(Protocol protocol, string destination, bool deleteExtraneous, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        DestinationPath.ValidateRoot(destination);
        var sw = Stopwatch.StartNew();
        var m = await manifest.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        var o = Options;
        var entries = m.Entries
            .Where(e => o.CreateEmptyDirectories || e.Type != "dir")
            .Select(e => e.ToWire())
            .ToList();
        var plan = await protocol.CallAsync(DeployTool.SyncPlan, new SyncPlanArgs(
            destination, entries, o.Compare == CompareMode.Checksum, deleteExtraneous, o.Owner, o.Group,
            SetMode: o.PreserveModes, Apply: true, Cleanup: o.CleanupTempFiles, Durable: o.Durable), cancellationToken).ConfigureAwait(false);

        var toSend = plan.Send.Select(p => m.ByPath.TryGetValue(p, out var e) && e.Type == "file"
            ? e
            : throw new InvalidOperationException($"[{protocol.Name}] the host asked for '{p}', which is not a file of this copy")).ToList();
        var sender = new FileSender(protocol, destination, o, toSend, sw);
        var bytes = await sender.SendAsync(cancellationToken).ConfigureAwait(false);
        return new CopyResult
        {
            Host = protocol.Name,
            DestinationFolder = destination,
            CopiedFiles = plan.Send,
            DeletedFiles = plan.Deleted,
            Skipped = plan.Skipped,
            DirectoriesCreated = plan.DirsCreated,
            LinksChanged = plan.LinksChanged,
            MetadataFixed = plan.MetaFixed,
            TempFilesRemoved = plan.TempsRemoved,
            BytesSent = bytes,
            Duration = sw.Elapsed,
        };
    }
}
