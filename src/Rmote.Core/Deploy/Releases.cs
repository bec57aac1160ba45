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

    /// <summary>Manages the releases under <paramref name="baseFolder"/>; <paramref name="allowDangerousDestination"/> allows the host's root,
    /// the home folder itself or a top-level system folder.</summary>
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

    readonly IReadOnlyList<string> sharedPaths = [];

    /// <summary>
    /// Files and folders (a folder ends with '/') that live in <c>&lt;base&gt;/shared</c> and are symlinked into each release
    /// (<c>appsettings.Production.json</c>, <c>storage/</c>): created on the first deploy (an empty folder, an empty 0600
    /// file), left out of the copy, never deleted. Relative to the release; a path escaping the base is refused.
    /// </summary>
    public IReadOnlyList<string> SharedPaths { get => sharedPaths; init => sharedPaths = Deploy.SharedPaths.Validate(value); }

    /// <summary>
    /// A fleet deploy that changes nothing on any host (same files, same shared links, every host on the same release)
    /// keeps the current release instead of making a new one (the folder staged to compare is removed). Default false.
    /// </summary>
    public bool ReuseUnchanged { get; init; }

    /// <summary>Where the deploy comes from, written to each release's <c>.rmote-release.json</c> (null: <see cref="ReleaseManifest.Detect"/> of the current folder).</summary>
    public ReleaseManifest? Manifest { get; init; }

    /// <summary>
    /// A fleet deploy runs this once the release is staged and complete on every host and before any host switches
    /// (smoke tests, migrations). If it throws, no host switches: every row fails naming the hook's error, and the
    /// staged release stays, never live.
    /// </summary>
    public Func<ReleaseStaged, CancellationToken, Task>? BeforeSwitch { get; init; }

    /// <summary>A fleet deploy stages (and runs <see cref="BeforeSwitch"/>) but does not switch nor prune: a later switch step does (default false).</summary>
    public bool StageOnly { get; init; }

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

    /// <summary>
    /// How long a deploy, switch or rollback waits for another one holding the same base's deploy lock (default 60 s);
    /// past it the host fails with "another deploy holds &lt;base&gt; (pid, started at, from &lt;machine&gt;)".
    /// </summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Takes the base's deploy lock on this connection, waiting up to <see cref="LockWait"/>. The host holds it until
    /// <see cref="UnlockAsync"/> or until the connection ends. <see cref="TimeoutException"/> when another deploy holds it.
    /// </summary>
    public async Task<ReleaseLocked> LockAsync(Protocol protocol, string? what = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        var wait = LockWait < TimeSpan.Zero ? TimeSpan.Zero : LockWait;
        if (AllowDangerousDestination)  // the host refuses the same folders unless told the user meant it
            await protocol.CallAsync(DeployTool.AllowDestination, BaseFolder, cancellationToken).ConfigureAwait(false);
        // the call's own bound follows the wait (a connection-wide call timeout may be shorter), plus room for a slow host
        return await protocol.CallAsync(DeployTool.ReleaseLock.WithTimeout(wait + TimeSpan.FromSeconds(30)), BaseFolder, wait.TotalSeconds,
            LockHolder.Here(what), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Releases the deploy lock this connection holds; false when it held none.</summary>
    public Task<bool> UnlockAsync(Protocol protocol, CancellationToken cancellationToken = default) =>
        protocol.CallAsync(DeployTool.ReleaseUnlock, BaseFolder, cancellationToken);

    /// <summary>Creates <c>releases/&lt;id&gt;</c> (recorded as incomplete), seeded from <c>current</c> with hard links when <paramref name="seedFromCurrent"/>.</summary>
    public Task<ReleasePrepared> PrepareAsync(Protocol protocol, string releaseId, bool seedFromCurrent = true, CancellationToken cancellationToken = default) =>
        protocol.CallAsync(DeployTool.ReleasePrepare, BaseFolder, ValidateId(releaseId), seedFromCurrent, cancellationToken);

    /// <summary>Marks release <paramref name="releaseId"/> complete (its staging finished): only a complete release can go live.</summary>
    public Task<ReleaseCompleted> CompleteAsync(Protocol protocol, string releaseId, CancellationToken cancellationToken = default) =>
        protocol.CallAsync(DeployTool.ReleaseComplete, BaseFolder, ValidateId(releaseId), cancellationToken);

    /// <summary>Points <c>current</c> at release <paramref name="releaseId"/> atomically (it must be complete).</summary>
    public Task<ReleaseSwitched> SwitchAsync(Protocol protocol, string releaseId, CancellationToken cancellationToken = default) =>
        protocol.CallAsync(DeployTool.ReleaseSwitch, BaseFolder, ValidateId(releaseId), cancellationToken);

    /// <summary>
    /// Undoes a first switch (one with no earlier release to switch back to): removes <c>current</c> only if it is the
    /// symlink to <paramref name="releaseId"/> (remote ValueError naming it otherwise). The release stays complete but
    /// its switch is recorded as withdrawn, so it is no rollback target unless named explicitly.
    /// </summary>
    public Task<ReleaseWithdrawn> WithdrawAsync(Protocol protocol, string releaseId, CancellationToken cancellationToken = default) =>
        protocol.CallAsync(DeployTool.ReleaseWithdraw, BaseFolder, ValidateId(releaseId), cancellationToken);

    /// <summary>Lists the releases, the current one, the complete ones and the history of live ones.</summary>
    public Task<ReleaseListing> ListAsync(Protocol protocol, CancellationToken cancellationToken = default) =>
        protocol.CallAsync(DeployTool.ReleaseList, BaseFolder, cancellationToken);

    /// <summary>Deletes incomplete releases, then the oldest, so that <paramref name="keep"/> remain (never the current one); returns the deleted ids.</summary>
    public Task<string[]> PruneAsync(Protocol protocol, int keep, CancellationToken cancellationToken = default) =>
        PruneAsync(protocol, keep, null, cancellationToken);

    /// <summary>Like <see cref="PruneAsync(Protocol, int, CancellationToken)"/>, never touching <paramref name="staging"/> (a release being staged).</summary>
    public Task<string[]> PruneAsync(Protocol protocol, int keep, string? staging, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        return protocol.CallAsync(DeployTool.ReleasePrune, BaseFolder, keep, staging == null ? null : ValidateId(staging), cancellationToken);
    }

    /// <summary>
    /// Switches <c>current</c> back to the previous release that was live and is complete; <see cref="ArgumentException"/>
    /// (remote ValueError) if there is none.
    /// </summary>
    public Task<ReleaseSwitched> RollbackAsync(Protocol protocol, CancellationToken cancellationToken = default) =>
        RollbackAsync(protocol, null, cancellationToken);

    /// <summary>Switches <c>current</c> to <paramref name="to"/> (which must be complete), or back as <see cref="RollbackAsync(Protocol, CancellationToken)"/> when null.</summary>
    public Task<ReleaseSwitched> RollbackAsync(Protocol protocol, string? to, CancellationToken cancellationToken = default) =>
        protocol.CallAsync(DeployTool.Rollback, BaseFolder, to == null ? null : ValidateId(to), cancellationToken);

    /// <summary>
    /// One host: take the deploy lock (waiting up to <see cref="LockWait"/>), prepare (seeded from current), copy
    /// <paramref name="copier"/>'s source into the release (extraneous files from the seed are deleted), mark it complete,
    /// switch <c>current</c>, prune to <see cref="Keep"/>, unlock.
    /// </summary>
    public async Task<ReleaseDeployResult> DeployAsync(Protocol protocol, Copier copier, string? releaseId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(copier);
        var id = ValidateId(releaseId ?? NewId());
        copier = WithoutSharedPaths(copier);
        var m = await copier.ReadSourceAsync(cancellationToken).ConfigureAwait(false);
        var locked = await LockAsync(protocol, "deploy " + id, cancellationToken).ConfigureAwait(false);
        try
        {
            var staged = await StageAsync(protocol, copier, m, new ChunkCache(1), id, ManifestFor(m), cancellationToken).ConfigureAwait(false);
            var switched = await SwitchAsync(protocol, staged.ReleaseId, cancellationToken).ConfigureAwait(false);
            var pruned = await PruneAsync(protocol, Keep, id, cancellationToken).ConfigureAwait(false);
            return staged with { Switched = switched, Pruned = pruned, LockWaited = TimeSpan.FromMilliseconds(locked.WaitedMs) };
        }
        finally
        {
            await UnlockQuietlyAsync(protocol).ConfigureAwait(false);
        }
    }

    async Task UnlockQuietlyAsync(Protocol protocol)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await UnlockAsync(protocol, bound.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IRemoteError or TimeoutException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // best effort: the host drops the lock when the connection ends; the deploy's own error is the one to report
        }
    }

    /// <summary>
    /// Every host of <paramref name="session"/>: take the deploy lock on every host, stage the release everywhere (copy,
    /// mark complete); switch <c>current</c> only if every host staged it. If a switch then fails somewhere, hosts already
    /// switched are switched back (all or nothing). Then prune, and unlock everywhere.
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
        copier = WithoutSharedPaths(copier);
        var m = await copier.ReadSourceAsync(cancellationToken).ConfigureAwait(false);
        var locked = await ReleaseFleetLock.LockAsync(session, this, "deploy " + id, options, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!locked.AllSucceeded)
                return ReleaseFleetLock.NotRun<ReleaseDeployResult, ReleaseLocked>(locked,
                    "release not staged nor switched: no deploy lock on " + string.Join(", ", locked.Failures.Select(r => r.Host)));
            var waited = locked.ToDictionary(r => r.Host, r => TimeSpan.FromMilliseconds(r.Value!.WaitedMs));
            return (await StageSwitchPruneAsync(session, copier, m, id, stageWrapper, options, cancellationToken).ConfigureAwait(false))
                .Map(r => r.Value! with { LockWaited = waited[r.Host] });
        }
        finally
        {
            await ReleaseFleetLock.UnlockAsync(session, this, options).ConfigureAwait(false);
        }
    }

    async Task<FleetResult<ReleaseDeployResult>> StageSwitchPruneAsync(FleetSession session, Copier copier, SourceManifest m, string id,
        Func<Protocol, Func<Task<ReleaseDeployResult>>, CancellationToken, Task<ReleaseDeployResult>>? stageWrapper, FleetOptions options,
        CancellationToken cancellationToken)
    {
        var cache = new ChunkCache(session.Hosts.Count(h => h.IsConnected));
        // with reuse, nothing is marked complete before every host has compared: an unchanged release is removed as incomplete
        var manifest = ManifestFor(m);
        var complete = ReuseUnchanged ? null : manifest;
        var staged = await session.RunAsync((p, ct) => stageWrapper != null
            ? stageWrapper(p, () => StageAsync(p, copier, m, cache, id, complete, ct), ct)
            : StageAsync(p, copier, m, cache, id, complete, ct), options, cancellationToken).ConfigureAwait(false);
        if (!staged.AllSucceeded)
            return staged.WithNote("release not switched: staging failed on " + string.Join(", ", staged.Failures.Select(r => r.Host)));
        if (ReuseUnchanged)
        {
            if (ReleaseReuse.Unchanged(staged) is { } kept)
                return await ReleaseReuse.KeepAsync(session, this, staged, kept, options, cancellationToken).ConfigureAwait(false);
            var completed = await session.RunAsync((p, ct) => CompleteAsync(p, id, manifest, ct), options, cancellationToken).ConfigureAwait(false);
            if (!completed.AllSucceeded)
                return ReleaseFleetLock.NotRun<ReleaseDeployResult, ReleaseCompleted>(completed,
                    "release not switched: marking it complete failed on " + string.Join(", ", completed.Failures.Select(r => r.Host)));
        }
        if (BeforeSwitch is { } hook)
        {
            try
            {
                await hook(new ReleaseStaged(id, BaseFolder, ReleasePath(id), [.. staged.Select(r => r.Host)]), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                var reason = $"not switched: the BeforeSwitch hook failed: {e.Message}";
                return new FleetResult<ReleaseDeployResult>([.. staged.Select(r => r with { Status = HostStatus.Failed, Value = null, Error = e, Reason = reason })],
                    staged.Duration, staged.StopReason, $"release {id} not switched on any host: the BeforeSwitch hook failed");
            }
        }
        if (StageOnly) return staged.WithNote($"release {id} staged on every host, not switched");

        var byHost = staged.ToDictionary(r => r.Host, r => r.Value!);
        var switched = (await SwitchAllAsync(session, (p, ct) => SwitchAsync(p, id, ct), "switch", options, cancellationToken).ConfigureAwait(false))
            .Map(r => byHost[r.Host] with { Switched = r.Value });
        if (!switched.AllSucceeded) return switched;
        return await session.RunAsync(async (p, ct) =>
        {
            var pruned = await PruneAsync(p, Keep, id, ct).ConfigureAwait(false);
            return switched.First(r => r.Host == p.Name).Value! with { Pruned = pruned };
        }, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="step"/> (a switch of <c>current</c>) on every host, or on none: if it fails somewhere, the hosts
    /// already switched are switched back to their previous release, or, where there was none (a first deploy), their
    /// switch is withdrawn (no <c>current</c> again), even when the caller is cancelling (a half-switched fleet is worse
    /// than a late return). A host undone fails too, its row saying so (it is not live on the new release); a host whose
    /// undo failed says which release it is still on.
    /// </summary>
    internal async Task<FleetResult<ReleaseSwitched>> SwitchAllAsync(FleetSession session, Func<Protocol, CancellationToken, Task<ReleaseSwitched>> step, string what,
        FleetOptions options, CancellationToken cancellationToken)
    {
        var switched = await session.RunAsync(step, options, cancellationToken).ConfigureAwait(false);
        if (switched.AllSucceeded) return switched;
        var failedOn = $"the {what} failed on " + string.Join(", ", switched.Failures.Select(r => r.Host));
        var undo = switched.Where(r => r.Success).ToDictionary(r => r.Host, r => r.Value!);
        // every switched host is undone, whatever the caller's failure policy: one failed undo must not leave others live
        var undone = await session.RunAsync(async (p, ct) =>
        {
            if (!undo.TryGetValue(p.Name, out var s)) return false;
            if (s.Previous != null) await SwitchAsync(p, s.Previous, ct).ConfigureAwait(false);
            else await WithdrawAsync(p, s.Current, ct).ConfigureAwait(false);
            return true;
        }, options with { FailurePolicy = FailurePolicy.Continue }, CancellationToken.None).ConfigureAwait(false);
        var rows = switched.Select(r =>
        {
            if (!undo.TryGetValue(r.Host, out var s)) return r;
            var back = undone[r.Host];
            var reason = (back.Success, s.Previous) switch
            {
                (true, null) => $"{what} withdrawn (no earlier release): {failedOn}",
                (true, _) => $"switched back to {s.Previous}: {failedOn}",
                (false, null) => $"still on {s.Current}: {failedOn}, and withdrawing the {what} (no earlier release) failed: {back.Detail}",
                (false, _) => $"still on {s.Current}: {failedOn}, and switching back to {s.Previous} failed: {back.Detail}",
            };
            return r with { Status = HostStatus.Failed, Value = null, Error = back.Error ?? new InvalidOperationException(reason), Reason = reason };
        }).ToList();
        return new FleetResult<ReleaseSwitched>(rows, switched.Duration, switched.StopReason,
            $"{what} failed on " + string.Join(", ", switched.Failures.Select(r => r.Host)) + UndoNote(undo, h => undone[h].Success));
    }

    /// <summary>What the undo of <see cref="SwitchAllAsync"/> did, for the fleet's note: switched back, withdrawn, failed.</summary>
    static string UndoNote(Dictionary<string, ReleaseSwitched> undo, Func<string, bool> succeeded)
    {
        var back = undo.Where(u => u.Value.Previous != null).Select(u => u.Key).ToList();
        var withdrawn = undo.Where(u => u.Value.Previous == null && succeeded(u.Key)).Select(u => u.Key).ToList();
        var stuck = undo.Keys.Where(h => !succeeded(h)).ToList();
        var note = "";
        if (back.Count > 0 || undo.Count == 0)
            note += "; switched hosts were switched back" + (back.Any(h => !succeeded(h)) ? " except " + string.Join(", ", back.Where(h => !succeeded(h))) + " (switching back failed)" : "");
        if (withdrawn.Count > 0)
            note += "; the switch was withdrawn on " + string.Join(", ", withdrawn) + " (no earlier release: no current release there)";
        var stuckFirst = stuck.Where(h => undo[h].Previous == null).ToList();
        if (stuckFirst.Count > 0)
            note += "; withdrawing the switch failed on " + string.Join(", ", stuckFirst) + " (still live there)";
        return note;
    }

    /// <summary>
    /// Every host of <paramref name="session"/> goes back to one release, the same everywhere: <paramref name="to"/>, or
    /// the most recent release that was live on every host before its current one, is complete and still present on every
    /// host. All hosts switch or none (a failed switch is undone); each host's row names the release it returned to. With
    /// no such release, every host fails with a message naming each host's state. Holds the deploy lock meanwhile.
    /// </summary>
    public async Task<FleetResult<ReleaseSwitched>> RollbackAsync(FleetSession session, string? to = null, FleetOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        options ??= session.Options;
        if (to != null) ValidateId(to);
        var locked = await ReleaseFleetLock.LockAsync(session, this, "rollback", options, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!locked.AllSucceeded)
                return ReleaseFleetLock.NotRun<ReleaseSwitched, ReleaseLocked>(locked, "not rolled back: no deploy lock on " + string.Join(", ", locked.Failures.Select(r => r.Host)));
            var listed = await session.RunAsync((p, ct) => ListAsync(p, ct), options, cancellationToken).ConfigureAwait(false);
            if (!listed.AllSucceeded)
                return ReleaseFleetLock.NotRun<ReleaseSwitched, ReleaseListing>(listed,
                    "not rolled back: the releases of " + string.Join(", ", listed.Failures.Select(r => r.Host)) + " could not be listed");
            string target;
            try
            {
                target = RollbackTarget.Choose(BaseFolder, [.. listed.Select(r => (r.Host, r.Value!))], to);
            }
            catch (InvalidOperationException e)
            {
                return (await session.RunAsync<ReleaseSwitched>((_, _) => throw new InvalidOperationException(e.Message), options, cancellationToken)
                    .ConfigureAwait(false)).WithNote("not rolled back");
            }
            var back = await SwitchAllAsync(session, (p, ct) => RollbackAsync(p, target, ct), "rollback", options, cancellationToken).ConfigureAwait(false);
            return back.AllSucceeded ? back.WithNote($"rolled back to release {target} on every host") : back;
        }
        finally
        {
            await ReleaseFleetLock.UnlockAsync(session, this, options).ConfigureAwait(false);
        }
    }

    /// <summary>Marks release <paramref name="releaseId"/> complete after writing <paramref name="manifest"/> to its <c>.rmote-release.json</c>.</summary>
    public Task<ReleaseCompleted> CompleteAsync(Protocol protocol, string releaseId, ReleaseManifest manifest, CancellationToken cancellationToken = default) =>
        protocol.CallAsync(DeployTool.ReleaseCompleteWith, BaseFolder, ValidateId(releaseId), manifest, cancellationToken);

    /// <summary>Creates the missing <see cref="SharedPaths"/> under <c>&lt;base&gt;/shared</c> and links them into the staged release <paramref name="releaseId"/>.</summary>
    public Task<SharedLinked> LinkSharedAsync(Protocol protocol, string releaseId, CancellationToken cancellationToken = default) =>
        protocol.CallAsync(DeployTool.ReleaseLinkShared, BaseFolder, ValidateId(releaseId), SharedPaths, cancellationToken);

    // Shared paths are the host's: the copy leaves them out, and its delete-extraneous keeps (never enters) their links.
    Copier WithoutSharedPaths(Copier copier) => SharedPaths.Count == 0 ? copier
        : new Copier(copier.Source, copier.Options with { ExcludePaths = [.. copier.Options.ExcludePaths, .. SharedPaths.Select(p => p.TrimEnd('/'))] });

    ReleaseManifest ManifestFor(SourceManifest m) => (Manifest ?? ReleaseManifest.Detect(null)) with
    {
        Files = m.Entries.Count(e => e.Kind == EntryKind.File), SharedPaths = SharedPaths,
    };

    async Task<ReleaseDeployResult> StageAsync(Protocol protocol, Copier copier, SourceManifest m, ChunkCache cache, string id, ReleaseManifest? complete,
        CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(protocol, id, true, cancellationToken).ConfigureAwait(false);
        // the seed holds the previous release's files: ones the new source lacks must go
        var copy = await copier.CopyToAsync(protocol, m, cache, ReleasePath(id), deleteExtraneous: true, cancellationToken).ConfigureAwait(false);
        var shared = SharedPaths.Count > 0 ? await LinkSharedAsync(protocol, id, cancellationToken).ConfigureAwait(false) : null;
        // written last: a release killed mid-copy or failed on a full disk stays incomplete, never live, never a rollback target
        if (complete != null) await CompleteAsync(protocol, id, complete, cancellationToken).ConfigureAwait(false);
        return new ReleaseDeployResult { Host = protocol.Name, ReleaseId = id, Prepared = prepared, Copy = copy, Shared = shared };
    }
}
