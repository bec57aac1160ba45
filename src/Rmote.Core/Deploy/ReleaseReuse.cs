using Rmote.Fleet;

namespace Rmote.Deploy;

/// <summary>
/// <see cref="Releases.ReuseUnchanged"/>: a fleet deploy whose staged release is the current one again on every host
/// (seeded from the same current release, nothing copied, deleted or relinked) keeps that release, so a no-change
/// deploy makes no new release folder and no switch.
/// </summary>
internal static class ReleaseReuse
{
    /// <summary>The release every host keeps, or null when something changed somewhere (or the hosts are on different releases).</summary>
    public static string? Unchanged(FleetResult<ReleaseDeployResult> staged)
    {
        var seeds = staged.Select(r => r.Value!.Prepared.SeededFrom).Distinct().ToList();
        if (seeds is not [{ } current]) return null;
        return staged.All(r => !r.Value!.Copy.Changed && r.Value.Shared is null or { Created.Count: 0, Linked.Count: 0 }) ? current : null;
    }

    /// <summary>Removes the staged comparison release on every host (it was never marked complete, so prune removes it first) and reports the kept one.</summary>
    public static async Task<FleetResult<ReleaseDeployResult>> KeepAsync(FleetSession session, Releases releases, FleetResult<ReleaseDeployResult> staged,
        string kept, FleetOptions options, CancellationToken cancellationToken)
    {
        var byHost = staged.ToDictionary(r => r.Host, r => r.Value!);
        var pruned = await session.RunAsync(async (p, ct) =>
        {
            var removed = await releases.PruneAsync(p, releases.Keep, null, ct).ConfigureAwait(false);
            var s = byHost[p.Name];
            return s with { ReleaseId = kept, Reused = true, Pruned = [.. removed.Where(id => id != s.ReleaseId)] };
        }, options, cancellationToken).ConfigureAwait(false);
        return pruned.WithNote($"unchanged on every host: release {kept} kept, no new release");
    }
}
