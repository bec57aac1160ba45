using Rmote.Wire;

namespace Rmote.Deploy;

/// <summary>Typed handles to the remote half of the deploy engine (<c>python/tools/deploy.py</c>).</summary>
internal static class DeployTool
{
    // File data is compressed (or not) by the copier, once per fleet: the frame writer must not probe it again.
    static readonly PythonTool Tool = PythonTool.FromResource("Deploy", "deploy.py");

    public static readonly ToolMethod<SyncPlanArgs, SyncPlanResult> SyncPlan = Tool.KwMethod<SyncPlanArgs, SyncPlanResult>("sync_plan");
    /// <summary>One piece of a plan too large for one frame (<see cref="SyncPlanArgs.Plan"/>, <see cref="SyncPlanArgs.Last"/> set).</summary>
    public static readonly ToolMethod<SyncPlanArgs, SyncPlanResult> SyncPlanPiece = Tool.KwMethod<SyncPlanArgs, SyncPlanResult>("sync_plan_piece");
    public static readonly ToolMethod<PutManyArgs, PutManyResult> PutMany = Tool.KwMethod<PutManyArgs, PutManyResult>("put_many")
        .SendingRawBinary<ToolMethod<PutManyArgs, PutManyResult>>();
    /// <summary>The block sums of the host's version of a file, in pages (<see cref="HostSignature"/>).</summary>
    public static readonly StreamMethod<BlockSumsArgs, BlockSumsPage> BlockSums = Tool.KwStream<BlockSumsArgs, BlockSumsPage>("block_sums");
    /// <summary>A run of a delta copy: pieces <c>[length, source]</c> (source -1: the next literal bytes) written from an offset.</summary>
    public static readonly ToolMethod<string, long, List<long[]>, ReadOnlyMemory<byte>, long> WriteDelta =
        Tool.Method<string, long, List<long[]>, ReadOnlyMemory<byte>, long>("write_delta")
            .SendingRawBinary<ToolMethod<string, long, List<long[]>, ReadOnlyMemory<byte>, long>>();
    public static readonly ToolMethod<OpenFileArgs, string> OpenFile = Tool.KwMethod<OpenFileArgs, string>("open_file");
    public static readonly ToolMethod<string, long, ReadOnlyMemory<byte>, long> WriteChunk = Tool.Method<string, long, ReadOnlyMemory<byte>, long>("write_chunk")
        .SendingRawBinary<ToolMethod<string, long, ReadOnlyMemory<byte>, long>>();
    /// <summary>write_chunk with its data sent straight from the local file by the frame writer (no copy through memory).</summary>
    public static readonly ToolMethod<string, long, FileRegion, long> WriteChunkFromFile = Tool.Method<string, long, FileRegion, long>("write_chunk")
        .SendingRawBinary<ToolMethod<string, long, FileRegion, long>>();
    /// <summary>write_chunk with zlib-compressed data and its expanded size.</summary>
    public static readonly ToolMethod<string, long, ReadOnlyMemory<byte>, long, long> WriteChunkCompressed = Tool.Method<string, long, ReadOnlyMemory<byte>, long, long>("write_chunk")
        .SendingRawBinary<ToolMethod<string, long, ReadOnlyMemory<byte>, long, long>>();
    public static readonly ToolMethod<string, string?, long> Commit = Tool.Method<string, string?, long>("commit");
    public static readonly ToolMethod<string, bool> Abort = Tool.Method<string, bool>("abort");
    /// <summary>Opts the connection in to a root the host refuses as a likely mistake (AllowDangerousDestination).</summary>
    public static readonly ToolMethod<string, string> AllowDestination = Tool.Method<string, string>("allow_destination");
    public static readonly ToolMethod<string, string[]> CleanupTemps = Tool.Method<string, string[]>("cleanup_temps");
    public static readonly ToolMethod<string, bool, bool, RemoteEntry[]> Scan = Tool.Method<string, bool, bool, RemoteEntry[]>("scan");

    public static readonly ToolMethod<string, string, bool, ReleasePrepared> ReleasePrepare = Tool.Method<string, string, bool, ReleasePrepared>("release_prepare");
    public static readonly ToolMethod<string, string, ReleaseSwitched> ReleaseSwitch = Tool.Method<string, string, ReleaseSwitched>("release_switch");
    public static readonly ToolMethod<string, ReleaseListing> ReleaseList = Tool.Method<string, ReleaseListing>("release_list");
    public static readonly ToolMethod<string, int, string?, string[]> ReleasePrune = Tool.Method<string, int, string?, string[]>("release_prune");
    public static readonly ToolMethod<string, string?, ReleaseSwitched> Rollback = Tool.Method<string, string?, ReleaseSwitched>("rollback");
    public static readonly ToolMethod<string, double, LockHolder, ReleaseLocked> ReleaseLock = Tool.Method<string, double, LockHolder, ReleaseLocked>("release_lock");
    public static readonly ToolMethod<string, bool> ReleaseUnlock = Tool.Method<string, bool>("release_unlock");
    public static readonly ToolMethod<string, string, ReleaseWithdrawn> ReleaseWithdraw = Tool.Method<string, string, ReleaseWithdrawn>("release_withdraw");
    public static readonly ToolMethod<string, string, ReleaseCompleted> ReleaseComplete = Tool.Method<string, string, ReleaseCompleted>("release_complete");
    public static readonly ToolMethod<string, string, ReleaseManifest, ReleaseCompleted> ReleaseCompleteWith =
        Tool.Method<string, string, ReleaseManifest, ReleaseCompleted>("release_complete");
    public static readonly ToolMethod<string, string, IReadOnlyList<string>, SharedLinked> ReleaseLinkShared =
        Tool.Method<string, string, IReadOnlyList<string>, SharedLinked>("release_link_shared");
}


internal sealed record SyncPlanArgs(
    string Root, ManifestPiece Folders, bool Checksum, bool Delete, string? Owner, string? Group,
    bool SetMode, bool Apply, bool Cleanup, bool Durable, DeltaRequest? Delta = null, string? Plan = null, bool? Last = null,
    IReadOnlyList<string>? Keep = null, int? Index = null);

/// <summary>Which changed files the host names its version of, for a delta copy (both versions at least Min bytes).</summary>
internal sealed record DeltaRequest(long Min);

internal sealed record SyncPlanResult(
    IReadOnlyList<string> Send, int Skipped, int DirsCreated, int LinksChanged, int MetaFixed,
    IReadOnlyList<string> Deleted, int TempsRemoved, IReadOnlyDictionary<string, RemoteBasis>? Basis = null, IReadOnlyList<long>? DeletedSizes = null);

/// <summary>
/// The host's current version of a changed file, as its plan saw it: block_sums, open_file and commit refuse a file
/// that is not that version any more (ESTALE), and the file is then sent whole.
/// </summary>
internal sealed record RemoteBasis(long Size, long MtimeNs, long Ino);

internal sealed record BlockSumsArgs(string Root, string RelPath, RemoteBasis Basis);

internal sealed record PutManyFile(string Path, long Offset, long Size, int? Mode, long? MtimeNs, string? Sha256, bool? Compressed = null, long? WireSize = null);

// Checks: how many RegionChecks status bytes end Data (null: none); put_many refuses the batch if one is set.
internal sealed record PutManyArgs(string Root, IReadOnlyList<PutManyFile> Files, BinaryParts Data, string? Owner, string? Group, bool Durable, int? Checks = null);

internal sealed record PutManyResult(IReadOnlyList<string> Written, long Bytes);

// Basis: a delta copy's host version of the file, which write_delta copies from
internal sealed record OpenFileArgs(string Root, string RelPath, long Size, int? Mode, long? MtimeNs, string? Owner, string? Group, bool Durable, string? Handle = null,
    RemoteBasis? Basis = null);

/// <summary>An entry of a remote folder as <c>Deploy.scan</c> reports it.</summary>
/// <param name="Path">Path relative to the scanned folder, '/'-separated.</param>
/// <param name="Type"><c>file</c>, <c>dir</c>, <c>symlink</c> or <c>other</c>.</param>
/// <param name="Size">Size in bytes (files).</param>
/// <param name="MtimeNs">Modification time, nanoseconds since the Unix epoch.</param>
/// <param name="Mode">Permission bits.</param>
/// <param name="Link">Symlink target (symlinks).</param>
/// <param name="Sha256">SHA-256 in hex, when asked for.</param>
public sealed record RemoteEntry(string Path, string Type, long Size, long MtimeNs, int Mode, string? Link, string? Sha256);
