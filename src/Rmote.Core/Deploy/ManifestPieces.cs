using Rmote.Wire;

namespace Rmote.Deploy;

/// <summary>What the host's plan asked for, summed over the pieces of the manifest.</summary>
internal sealed record ManifestPlan(
    List<SourceEntry> Send, int Skipped, int DirsCreated, int LinksChanged, int MetaFixed,
    IReadOnlyList<string> Deleted, int TempsRemoved, Dictionary<string, RemoteBasis>? Basis, IReadOnlyList<long>? DeletedSizes = null);

/// <summary>
/// Sends a manifest to <c>sync_plan</c> in pieces of bounded size, so that no frame holds the whole file list (a
/// million long paths are hundreds of megabytes of JSON, past any frame limit) and neither does the answer. The
/// host keeps what delete-extraneous must keep across the pieces and deletes only after the last one.
/// </summary>
internal static class ManifestPieces
{
    /// <summary>
    /// Bytes of entries per piece at most (about 260 entries of 200-byte paths, 550 of 70-byte ones); smaller when a side's frame limit asks
    /// for it. Every buffer of a piece (its JSON, the compressed frame, the answer) stays under the large object heap's
    /// 85 KB: a million entries' worth of large buffers is reclaimed only by full collections, and raised the
    /// controller's peak by 250 MB. Several pieces are in flight (InFlight), so the round trips leave the host no idle time.
    /// </summary>
    internal const int PieceBytes = 64 * 1024;

    /// <summary>Pieces sent ahead of the oldest unanswered one, at most (each holds its entries until answered).</summary>
    internal const int InFlight = 3;

    /// <summary>
    /// The host's plan for <paramref name="m"/>: with <paramref name="apply"/> (a copy) the host also creates folders,
    /// fixes metadata and deletes; without it (a WhatIf preview) it only compares and changes nothing.
    /// </summary>
    public static async Task<ManifestPlan> PlanAsync(Protocol protocol, SourceManifest m, CopyOptions o, string destination, bool deleteExtraneous,
        CancellationToken cancellationToken, bool apply = true)
    {
        // an eighth of the smaller frame limit: room for JSON escapes (a byte is 6 at most), the answer's paths and block sums
        var hostMax = protocol.Info.MaxFrame > 0 ? protocol.Info.MaxFrame : int.MaxValue;
        var limit = Math.Min(PieceBytes, Math.Min(hostMax, protocol.MaxFrameSize) / 8);
        var delta = o.Delta ? new DeltaRequest(FileSender.DeltaMinSize) : null;
        var planId = Guid.NewGuid().ToString("N");
        var send = new List<SourceEntry>();
        Dictionary<string, RemoteBasis>? basis = null;
        int skipped = 0, dirs = 0, links = 0, meta = 0, temps = 0;
        IReadOnlyList<string> deleted = [];
        IReadOnlyList<long>? deletedSizes = null;
        var index = 0;
        using var pieces = Split(m, o, limit, delta != null).GetEnumerator();
        var more = pieces.MoveNext();
        // Up to InFlight pieces are sent before the oldest is answered (the host runs them in their order): the host
        // plans the next piece while this side reads an answer and writes the next frame.
        var inFlight = new Queue<(List<SourceEntry> Piece, Task<SyncPlanResult> Plan)>();
        while (more || inFlight.Count > 0)
        {
            while (more && inFlight.Count < InFlight)
            {
                var next = pieces.Current;
                more = pieces.MoveNext();
                var single = index == 0 && !more;   // one piece: the plain call, as before
                inFlight.Enqueue((next, StartPiece(protocol, next, o, destination, deleteExtraneous, apply ? delta : null, index,
                    single ? null : planId, single ? null : !more, apply, cancellationToken)));
                index++;
            }
            var (piece, started) = inFlight.Dequeue();
            SyncPlanResult plan;
            try
            {
                plan = await started.ConfigureAwait(false);
            }
            catch
            {
                // the pieces sent after it fail on the host too: observe them, the first failure is the one reported
                foreach (var (_, later) in inFlight) _ = later.ContinueWith(static t => t.Exception, TaskScheduler.Default);
                throw;
            }

            Match(protocol.Name, piece, plan.Send, send);
            if (plan.Basis is { Count: > 0 } b)
                foreach (var (path, version) in b) (basis ??= new(StringComparer.Ordinal))[path] = version;
            skipped += plan.Skipped;
            dirs += plan.DirsCreated;
            links += plan.LinksChanged;
            meta += plan.MetaFixed;
            temps += plan.TempsRemoved;
            if (!more && inFlight.Count == 0) (deleted, deletedSizes) = (plan.Deleted, plan.DeletedSizes);
        }
        return new ManifestPlan(send, skipped, dirs, links, meta, deleted, temps, basis, deletedSizes);
    }

    /// <summary>
    /// Adds the entries of the paths the host asked for to <paramref name="send"/>. The host answers in the piece's
    /// order, so one pass compares bytes without a string per entry; an answer out of order falls back to a lookup.
    /// </summary>
    static void Match(string host, List<SourceEntry> piece, IReadOnlyList<string> asked, List<SourceEntry> send)
    {
        var buffer = new byte[512];
        var next = 0;
        Dictionary<string, SourceEntry>? byPath = null;
        foreach (var p in asked)
        {
            var want = SurrogateEscape.Encode(p);
            var found = -1;
            for (var i = next; i < piece.Count && byPath is null; i++)
            {
                var n = piece[i].PathBytes(ref buffer);
                if (piece[i].Kind == EntryKind.File && buffer.AsSpan(0, n).SequenceEqual(want)) { found = i; break; }
            }
            if (found >= 0)
            {
                send.Add(piece[found]);
                next = found + 1;
                continue;
            }
            byPath ??= piece.Where(e => e.Kind == EntryKind.File).ToDictionary(e => e.Path, StringComparer.Ordinal);
            send.Add(byPath.GetValueOrDefault(p)
                ?? throw new InvalidOperationException($"[{host}] the host asked for '{SurrogateEscape.Escaped(p)}', which is not a file of this copy"));
        }
    }

    /// <summary>
    /// Sends one piece. Not async on purpose: nothing made for the call outlives its encoding, so no garbage lives
    /// through the round trip into an older GC generation (a million entries would pile up hundreds of megabytes).
    /// </summary>
    static Task<SyncPlanResult> StartPiece(Protocol protocol, List<SourceEntry> piece, CopyOptions o, string destination, bool deleteExtraneous,
        DeltaRequest? delta, int index, string? planId, bool? last, bool apply, CancellationToken cancellationToken) =>
        protocol.CallAsync(planId is null ? DeployTool.SyncPlan : DeployTool.SyncPlanPiece, new SyncPlanArgs(
            destination, new ManifestPiece(piece), o.Compare == CompareMode.Checksum, deleteExtraneous, o.Owner, o.Group,
            SetMode: o.PreserveModes, Apply: apply, Cleanup: apply && o.CleanupTempFiles && index == 0, Durable: o.Durable, Delta: delta,
            Plan: planId, Last: last, Keep: o.ExcludePaths.Count > 0 ? [.. o.ExcludePaths.Select(DestinationPath.Normalize)] : null,
            Index: planId is null ? null : index), cancellationToken);

    /// <summary>The entries in order, cut where a piece would pass <paramref name="limit"/> bytes; always at least one piece.</summary>
    internal static IEnumerable<List<SourceEntry>> Split(SourceManifest m, CopyOptions o, long limit, bool delta)
    {
        var piece = new List<SourceEntry>();
        long bytes = 0;
        foreach (var e in m.Entries)
        {
            if (!o.CreateEmptyDirectories && e.Kind == EntryKind.Dir) continue;
            var n = e.WireBytes(delta);
            if (piece.Count > 0 && bytes + n > limit)
            {
                yield return piece;
                piece = [];
                bytes = 0;
            }
            piece.Add(e);
            bytes += n;
        }
        yield return piece;
    }
}

/// <summary>The destination paths of entries, made when read: a million copied files need no million strings held.</summary>
internal sealed class EntryPaths(IReadOnlyList<SourceEntry> entries) : IReadOnlyList<string>
{
    public string this[int index] => entries[index].Path;
    public int Count => entries.Count;
    public IEnumerator<string> GetEnumerator() => entries.Select(e => e.Path).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
