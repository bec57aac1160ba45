using System.Globalization;
using Rmote.Deploy;

namespace Rmote.Operations;

/// <summary>
/// What a step would do on one host in WhatIf mode (<see cref="FleetOperations.WhatIf"/>), found without changing
/// anything on the host: the files a copy would send or delete, a template's diff, the commands and service actions
/// that would run, the release that would become current. <see cref="Summary"/> is the host's one line and
/// <see cref="Details"/> the lines under it; <see cref="PlanText"/> prints them the same way in every front end.
/// </summary>
public sealed record StepPlan
{
    /// <summary>A copy's preview (sizes of the files it would copy and delete).</summary>
    public CopyPreview? Copy { get; init; }
    /// <summary>A template's preview (its unified diff, or a note on why there is none).</summary>
    public TemplatePreview? Template { get; init; }
    /// <summary>Commands and service actions that would run, in order (<c>run /bin/sh -c 'x'</c>, <c>restart app.service</c>).</summary>
    public IReadOnlyList<string> Actions { get; init; } = [];
    /// <summary>The release that would become current, and what a switch would prune.</summary>
    public ReleasePlan? Release { get; init; }

    /// <summary>True when the step would change something on the host (a command or service action always counts).</summary>
    public bool Changes => Copy is { Changed: true } || Template is { Changed: true } || Actions.Count > 0 || Release is { } r && r.Current != r.ReleaseId;

    /// <summary>The host's line: <c>would copy 1 file(s) (5 bytes), delete 1 (6 bytes), 2 unchanged</c>.</summary>
    public string Summary
    {
        get
        {
            var parts = new List<string>();
            if (Release is { } r) parts.Add(r.Summary);
            if (Copy is { } c)
                parts.Add(c.Changed
                    ? $"would copy {c.Copy.Count} file(s) ({Bytes(c.Copy.Sum(f => f.Size))}), delete {c.Delete.Count} ({Bytes(c.Delete.Sum(f => f.Size))}), {c.Unchanged} unchanged"
                      + (c.LinksChanged > 0 ? $", {c.LinksChanged} link(s) changed" : "") + (c.MetadataFixed > 0 ? $", {c.MetadataFixed} mode/owner/time fixed" : "")
                    : $"no change ({c.Unchanged} file(s) unchanged)");
            if (Template is { } t) parts.Add(t.Changed ? $"would change {t.Path}" : $"unchanged {t.Path}");
            if (Actions.Count > 0) parts.Add("would " + string.Join(", then ", Actions));
            return parts.Count == 0 ? "nothing to do" : string.Join("; ", parts);
        }
    }

    /// <summary>The lines under the summary: one per file to copy or delete (with its size), a template's diff lines and notes.</summary>
    public IEnumerable<string> Details()
    {
        if (Copy is { } c)
        {
            foreach (var f in c.Copy) yield return $"copy   {f.Path} ({Bytes(f.Size)})";
            foreach (var f in c.Delete) yield return $"delete {f.Path} ({Bytes(f.Size)})";
        }
        if (Template is { } t)
        {
            foreach (var note in t.Notes) yield return note;
            if (t.Diff is { Length: > 0 } diff)
                foreach (var line in diff.TrimEnd('\n').Split('\n')) yield return line;
        }
        if (Release is { Note: { } n }) yield return n;
    }

    /// <summary><c>1,234 bytes</c>: exact, as rsync <c>-n</c> prints sizes.</summary>
    internal static string Bytes(long n) => n.ToString("N0", CultureInfo.InvariantCulture) + (n == 1 ? " byte" : " bytes");
}

/// <summary>What rendering a template would change in one host's file (nothing was written).</summary>
/// <param name="Path">The file on the host.</param>
/// <param name="Changed">Content, mode or owner would change.</param>
/// <param name="Diff">Unified diff of the file on the host against the rendered text (secrets masked); null when none is shown (<paramref name="Notes"/> say why).</param>
/// <param name="Notes">One-line notes: a binary or huge file, a template with secrets, a mode or owner change.</param>
public sealed record TemplatePreview(string Path, bool Changed, string? Diff, IReadOnlyList<string> Notes);

/// <summary>The release a step would make current on a host.</summary>
/// <param name="ReleaseId">The release that would become current.</param>
/// <param name="Current">The release current now (null: none).</param>
/// <param name="Pruned">Releases the switch would prune to keep the last N.</param>
/// <param name="Note">Something the user should know (the release is not on the host yet).</param>
public sealed record ReleasePlan(string ReleaseId, string? Current, IReadOnlyList<string> Pruned, string? Note = null)
{
    /// <summary><c>release r2 would become current (now r1); would prune r0</c>.</summary>
    public string Summary => (Current == ReleaseId ? $"release {ReleaseId} is current already" : $"release {ReleaseId} would become current (now {Current ?? "none"})")
        + (Pruned.Count > 0 ? $"; would prune {string.Join(", ", Pruned)}" : "");
}
