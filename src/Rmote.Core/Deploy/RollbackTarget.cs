namespace Rmote.Deploy;

/// <summary>
/// The release a fleet rolls back to: one target for every host, the newest release older than each host's current one
/// (in the hosts' release order) that was live, is complete and is still present everywhere. As on one host, rolling
/// back twice steps back twice.
/// </summary>
internal static class RollbackTarget
{
    /// <summary>A host's rollback candidates, newest first: releases older than its current one that were live and are complete.</summary>
    public static IReadOnlyList<string> Candidates(ReleaseListing listing)
    {
        if (listing.Current is not { } current) return [];
        var live = listing.History.Select(h => h.Release).ToHashSet(StringComparer.Ordinal);
        var complete = listing.Complete.ToHashSet(StringComparer.Ordinal);
        // Releases comes oldest first in the host's (natural) release order
        return listing.Releases.TakeWhile(id => id != current).Where(id => live.Contains(id) && complete.Contains(id)).Reverse().ToList();
    }

    /// <summary>
    /// The common target of <paramref name="hosts"/> (in session order), or <paramref name="to"/> checked on every host;
    /// otherwise an <see cref="InvalidOperationException"/> naming each host's state.
    /// </summary>
    public static string Choose(string baseFolder, IReadOnlyList<(string Host, ReleaseListing Listing)> hosts, string? to)
    {
        if (hosts.Count == 0) throw new InvalidOperationException($"no host to roll back under {baseFolder}");
        if (to != null)
        {
            var missing = hosts.Where(h => !h.Listing.Releases.Contains(to) || !h.Listing.Complete.Contains(to)).ToList();
            if (missing.Count == 0) return to;
            throw new InvalidOperationException($"cannot roll back to release {to} under {baseFolder}: " +
                string.Join("; ", missing.Select(h => $"{h.Host} {(h.Listing.Releases.Contains(to) ? "has it incomplete (its staging did not finish)" : "does not have it")}")) +
                ". Choose a release every host has complete.");
        }
        var candidates = hosts.Select(h => Candidates(h.Listing)).ToList();
        var target = candidates[0].FirstOrDefault(id => candidates.All(c => c.Contains(id)));
        if (target != null) return target;
        throw new InvalidOperationException($"no release every host can roll back to under {baseFolder}: " +
            string.Join("; ", hosts.Select((h, i) => $"{h.Host} is at {h.Listing.Current ?? "no release"}, earlier live and complete: " +
                (candidates[i].Count == 0 ? "none" : string.Join(", ", candidates[i])))) +
            ". Deploy again, or switch every host to one release explicitly.");
    }
}
