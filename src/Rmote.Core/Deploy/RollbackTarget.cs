namespace Rmote.Deploy;

/// <summary>
/// The release a fleet rolls back to: one target for every host, the most recent release that was live on every host
/// before its current one, is complete and still present everywhere, and is current nowhere.
/// </summary>
internal static class RollbackTarget
{
    /// <summary>A host's rollback candidates, most recent first: earlier live releases still present and complete.</summary>
    public static IReadOnlyList<string> Candidates(ReleaseListing listing)
    {
        var history = listing.History;
        var end = history.Count;
        // only what was live before the current release last went live (a re-deployed id can appear twice)
        for (var i = history.Count - 1; i >= 0; i--)
            if (history[i].Release == listing.Current) { end = i; break; }
        var present = listing.Releases.ToHashSet(StringComparer.Ordinal);
        var complete = listing.Complete.ToHashSet(StringComparer.Ordinal);
        var result = new List<string>();
        for (var i = end - 1; i >= 0; i--)
        {
            var id = history[i].Release;
            if (id != listing.Current && present.Contains(id) && complete.Contains(id) && !result.Contains(id)) result.Add(id);
        }
        return result;
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
