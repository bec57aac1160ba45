using System.Globalization;
using System.Text.RegularExpressions;
using Rmote.Fleet;

namespace Rmote.Deploy;

/// <summary>
/// Capistrano-style releases under a base folder: <c>releases/&lt;id&gt;</c> folders and an atomic <c>current</c>
/// symlink (a temp link renamed over it). A new release is seeded from the current one with hard links, so only
/// changed files cross the network; changed files replace their link by rename, never in place.
/// </summary>
public sealed partial class Releases
{
    /// <summary>Manages the releases under <paramref name="baseFolder"/> (absolute, or <c>~/...</c>; not a dangerous root such as <c>/</c> or <c>/srv</c>).</summary>
    public Releases(string baseFolder) : this(baseFolder, allowDangerousDestination: false) { }

    /// <summary>Manages the releases under <paramref name="baseFolder"/>; <paramref name="allowDangerousDestination"/> allows the host's root, the home folder itself or a top-level system folder.</summary>
    public Releases(string baseFolder, bool allowDangerousDestination)
    {
        BaseFolder = DestinationPath.ValidateRoot(baseFolder, allowDangerousDestination, "Releases base folder").TrimEnd('/');
        if (BaseFolder.Length == 0) BaseFolder = "/";
        AllowDangerousDestination = allowDangerousDestination;
    }

    /// <summary>Whether the base may be a folder normally refused as a mistake (<see cref="CopyOptions.AllowDangerousDestination"/>).</summary>
    public bool AllowDangerousDestination { get; }

    /// <summary>The base folder on the hosts.</summary>
    public string BaseFolder { get; }

    /// <summary>Releases to keep after a deploy (default 5; the current one is always kept).</summary>
    public int Keep { get; init; } = 5;

    /// <summary>The <c>current</c> symlink's path.</summary>
    public string CurrentPath => BaseFolder + "/current";

    /// <summary>The folder of release <paramref name="releaseId"/>.</summary>
    public string ReleasePath(string releaseId) => BaseFolder + "/releases/" + ValidateId(releaseId);

    /// <summary>A new release id from the UTC time, <c>yyyyMMddHHmmssfff</c> (sorts in time order).</summary>
    public static string NewId(DateTimeOffset? now = null) =>
        (now ?? DateTimeOffset.UtcNow).UtcDateTime.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

    /// <summary>Returns <paramref name="releaseId"/> if it is a valid id (letters, digits, '.', '_', '-'; not '.' or '..').</summary>
    public static string ValidateId(string releaseId)
    {
        ArgumentNullException.ThrowIfNull(releaseId);
        if (!IdPattern().IsMatch(releaseId) || releaseId is "." or ".." || releaseId.Contains(".rmote-tmp-", StringComparison.Ordinal))
            throw new ArgumentException($"Invalid release id '{releaseId}': use letters, digits, '.', '_' and '-'.", nameof(releaseId));
        return releaseId;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex IdPattern();

    /// <summary>Creates <c>releases/&lt;id&gt;</c>, seeded from <c>current</c> with hard links when <paramref name="seedFromCurrent"/>.</summary>
    public Task<ReleasePrepared> PrepareAsync(Protocol protocol, string releaseId, bool seedFromCurrent = true, CancellationToken cancellationToken = default) =>
        protocol.CallAsync(DeployTool.ReleasePrepare, BaseFolder, ValidateId(releaseId), seedFromCurrent, cancellationToken);

    /// <summary>Points <c>current</c> at release <paramref name="releaseId"/> atomically.</summary>
    public Task<ReleaseSwitched> SwitchAsync(Protocol protocol, string releaseId, CancellationToken cancellationToken = default) =>
        protocol.CallAsync(DeployTool.ReleaseSwitch, BaseFolder, ValidateId(releaseId), cancellationToken);

    /// <summary>Lists the releases and the current one.</summary>
    public Task<ReleaseListing> ListAsync(Protocol protocol, CancellationToken cancellationToken = default) =>
        protocol.CallAsync(DeployTool.ReleaseList, BaseFolder, cancellationToken);

    /// <summary>Deletes the oldest releases so that <paramref name="keep"/> remain (never the current one); returns the deleted ids.</summary>
    public Task<string[]> PruneAsync(Protocol protocol, int keep, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        return protocol.CallAsync(DeployTool.ReleasePrune, BaseFolder, keep, cancellationToken);
    }

    /// <summary>Switches <c>current</c> back to the release before it; <see cref="ArgumentException"/> (remote ValueError) if there is none.</summary>
    public Task<ReleaseSwitched> RollbackAsync(Protocol protocol, CancellationToken cancellationToken = default) =>
        protocol.CallAsync(DeployTool.Rollback, BaseFolder, cancellationToken);

    /// <summary>
    /// One host: prepare (seeded from current), copy <paramref name="copier"/>'s source into the release (extraneous
    /// files from the seed are deleted), switch <c>current</c>, prune to <see cref="Keep"/>.
    /// </summary>
    public async Task<ReleaseDeployResult> DeployAsync(Protocol protocol, Copier copier, string? releaseId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(copier);
        var m = await copier.ReadSourceAsync(cancellationToken).ConfigureAwait(false);
        var staged = await StageAsync(protocol, copier, m, new ChunkCache(1), releaseId ?? NewId(), cancellationToken).ConfigureAwait(false);
        var switched = await SwitchAsync(protocol, staged.ReleaseId, cancellationToken).ConfigureAwait(false);
        var pruned = await PruneAsync(protocol, Keep, cancellationToken).ConfigureAwait(false);
        return staged with { Switched = switched, Pruned = pruned };
    }

    /// <summary>
    /// Every host of <paramref name="session"/>: stage the release everywhere first; switch <c>current</c> only if every
    /// host staged it. If a switch then fails somewhere, hosts already switched are switched back (all or nothing).
    /// </summary>
    public Task<FleetResult<ReleaseDeployResult>> DeployAsync(FleetSession session, Copier copier, string? releaseId = null, CancellationToken cancellationToken = default) =>
        DeployAsync(session, copier, releaseId, null, null, cancellationToken);

    /// <summary>The fleet deploy with the staging step of each host wrapped (retries) and these fan-out options.</summary>
    internal async Task<FleetResult<ReleaseDeployResult>> DeployAsync(FleetSession session, Copier copier, string? releaseId,
        Func<Protocol, Func<Task<ReleaseDeployResult>>, CancellationToken, Task<ReleaseDeployResult>>? stageWrapper, FleetOptions? options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(copier);
        options ??= session.Options;
        var id = ValidateId(releaseId ?? NewId());
        var m = await copier.ReadSourceAsync(cancellationToken).ConfigureAwait(false);
        var cache = new ChunkCache(session.Hosts.Count(h => h.IsConnected));
        var staged = await session.RunAsync((p, ct) => stageWrapper != null
            ? stageWrapper(p, () => StageAsync(p, copier, m, cache, id, ct), ct)
            : StageAsync(p, copier, m, cache, id, ct), options, cancellationToken).ConfigureAwait(false);
        if (!staged.AllSucceeded)
            return staged.WithNote("release not switched: staging failed on " + string.Join(", ", staged.Failures.Select(r => r.Host)));

        var byHost = staged.ToDictionary(r => r.Host, r => r.Value!);
        var switched = await session.RunAsync(async (p, ct) =>
        {
            var s = await SwitchAsync(p, id, ct).ConfigureAwait(false);
            return byHost[p.Name] with { Switched = s };
        }, options, cancellationToken).ConfigureAwait(false);
        if (!switched.AllSucceeded)
        {
            var undo = switched.Where(r => r.Success).ToDictionary(r => r.Host, r => r.Value!.Switched!);
            await session.RunAsync(async (p, ct) =>
            {
                if (undo.TryGetValue(p.Name, out var s) && s.Previous is { } prev)
                    await SwitchAsync(p, prev, ct).ConfigureAwait(false);
                return true;
            }, CancellationToken.None).ConfigureAwait(false);
            return switched.WithNote("switch failed on " + string.Join(", ", switched.Failures.Select(r => r.Host)) + "; switched hosts were switched back");
        }
        return await session.RunAsync(async (p, ct) =>
        {
            var pruned = await PruneAsync(p, Keep, ct).ConfigureAwait(false);
            return switched.First(r => r.Host == p.Name).Value! with { Pruned = pruned };
        }, options, cancellationToken).ConfigureAwait(false);
    }

    async Task<ReleaseDeployResult> StageAsync(Protocol protocol, Copier copier, SourceManifest m, ChunkCache cache, string id, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(protocol, id, true, cancellationToken).ConfigureAwait(false);
        // the seed holds the previous release's files: ones the new source lacks must go
        var copy = await copier.CopyToAsync(protocol, m, cache, ReleasePath(id), deleteExtraneous: true, cancellationToken).ConfigureAwait(false);
        return new ReleaseDeployResult { Host = protocol.Name, ReleaseId = id, Prepared = prepared, Copy = copy };
    }
}
