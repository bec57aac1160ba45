namespace Rmote.Deploy;

/// <summary>Options of a <see cref="Copier"/>.</summary>
public sealed record CopyOptions
{
    /// <summary>Absolute folder on the remote host (or <c>~/...</c>); created if missing.</summary>
    public required string DestinationFolder { get; init; }

    /// <summary>
    /// Allow a <see cref="DestinationFolder"/> that is normally refused as a mistake: the host's root, the remote
    /// user's home folder itself or a top-level system folder such as <c>/etc</c> or <c>/srv</c> (default false).
    /// Such a value usually comes from an empty property in front of '/'; set this only when you mean that folder.
    /// </summary>
    public bool AllowDangerousDestination { get; init; }

    /// <summary>
    /// Destination-relative paths left out of the copy and never deleted nor entered by <see cref="DeleteExtraneous"/>
    /// (rsync's <c>--exclude</c>): a file, or a folder with everything below it. A release deploy excludes its shared paths.
    /// </summary>
    public IReadOnlyList<string> ExcludePaths { get; init; } = [];

    /// <summary>How unchanged files are recognized (default size + modification time).</summary>
    public CompareMode Compare { get; init; } = CompareMode.SizeAndTime;

    /// <summary>Delete destination files and folders that are not part of the source (rsync <c>--delete</c>).</summary>
    public bool DeleteExtraneous { get; init; }

    /// <summary>Mode for every copied file (e.g. <c>0o644</c>); null keeps each source file's mode.</summary>
    public UnixFileMode? FileMode { get; init; }

    /// <summary>Mode for every created folder; null keeps each source folder's mode.</summary>
    public UnixFileMode? DirectoryMode { get; init; }

    /// <summary>Give files and folders the source's (or the forced) modes; false leaves modes to the remote umask.</summary>
    public bool PreserveModes { get; init; } = true;

    /// <summary>Owner (user name or numeric id) of copied files and folders; null leaves it (needs root to change).</summary>
    public string? Owner { get; init; }

    /// <summary>Group (name or numeric id) of copied files and folders; null leaves it.</summary>
    public string? Group { get; init; }

    /// <summary>Copy symlinks as symlinks (default). False follows them and copies what they point to.</summary>
    public bool PreserveSymlinks { get; init; } = true;

    /// <summary>
    /// Leave FIFOs, sockets and devices in the source out of the copy, each with a warning in
    /// <see cref="CopyResult.Warnings"/> (default false: the copy is refused up front, naming the first one).
    /// They are never opened either way: reading a FIFO hangs, a device sends nothing useful.
    /// </summary>
    public bool SkipSpecialFiles { get; init; }

    /// <summary>Create folders that contain no files (default true).</summary>
    public bool CreateEmptyDirectories { get; init; } = true;

    /// <summary>Files (or batches of small files) in flight at once per host (default 8).</summary>
    public int MaxFilesInFlight { get; init; } = 8;

    /// <summary>
    /// zlib-compress file data that shrinks (each piece once for the whole fleet). Off by default, like
    /// <c>rsync -a</c>: it trades controller and host CPU for bandwidth, a loss on a LAN; turn it on for slow links.
    /// </summary>
    public bool Compress { get; init; }

    /// <summary>
    /// Send a changed file of 64 KiB or more that the host already has (64 KiB or more) as an rsync delta (default
    /// true): the host sums its version's blocks, the controller finds them anywhere in its file with a rolling sum
    /// (edits, inserts and deletes anywhere, in files of any size) and sends only the bytes between them; the host
    /// builds the new file from ranges of its old one and those bytes. False: always whole files, like
    /// <c>rsync --whole-file</c>.
    /// </summary>
    public bool Delta { get; init; } = true;

    /// <summary>
    /// Size of one chunk of a large file (default 4 MiB). Uncompressed chunks are sent straight from the file, so a
    /// larger chunk costs no controller memory; it means fewer calls, and a 1 GiB copy 10% faster than with 1 MiB.
    /// </summary>
    public int ChunkSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Bytes of file data read but not yet acknowledged by the host, per host (default 16 MiB): bounds memory.</summary>
    public int MaxBytesInFlight { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Files up to this size travel whole, many per call (default 2 MiB); larger ones go in chunks. A whole file
    /// costs one round trip; a chunked one three (open, chunks, commit), which dominates a one-file redeploy.
    /// </summary>
    public int SmallFileThreshold { get; init; } = 2 * 1024 * 1024;

    /// <summary>Target size of one batch of small files (default 2 MiB).</summary>
    public int BatchSize { get; init; } = 2 * 1024 * 1024;

    /// <summary>fsync each file (and its folder) before it replaces the old one (default true): durable across a crash.</summary>
    public bool Durable { get; init; } = true;

    /// <summary>Have the host verify each written file's SHA-256 before it replaces the old one (reads it back).</summary>
    public bool VerifyChecksum { get; init; }

    /// <summary>Remove temp files of earlier interrupted copies first (default true).</summary>
    public bool CleanupTempFiles { get; init; } = true;

    /// <summary>Receives progress (files, bytes, rate) while the copy runs, per host.</summary>
    public IProgress<CopyProgress>? Progress { get; init; }

    internal void Validate()
    {
        DestinationPath.ValidateRoot(DestinationFolder, AllowDangerousDestination);
        foreach (var path in ExcludePaths) DestinationPath.Normalize(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFilesInFlight, 1, nameof(MaxFilesInFlight));
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkSize, 4096, nameof(ChunkSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ChunkSize, 16 * 1024 * 1024, nameof(ChunkSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytesInFlight, ChunkSize, nameof(MaxBytesInFlight));
        ArgumentOutOfRangeException.ThrowIfNegative(SmallFileThreshold, nameof(SmallFileThreshold));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SmallFileThreshold, MaxBytesInFlight, nameof(SmallFileThreshold));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        if (Owner is { } o && (o.Length == 0 || o.Contains('\0'))) throw new ArgumentException("Owner is empty or contains NUL.", nameof(Owner));
        if (Group is { } g && (g.Length == 0 || g.Contains('\0'))) throw new ArgumentException("Group is empty or contains NUL.", nameof(Group));
    }
}
