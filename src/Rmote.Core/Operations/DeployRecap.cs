using System.Globalization;
using Rmote.Deploy;
using Rmote.Fleet;

namespace Rmote.Operations;

/// <summary>
/// The per-host tally of every step of a deploy, printed at its end like Ansible's PLAY RECAP, failed deploys included:
/// each front end adds every step's result (<see cref="Add{T}"/>) and prints <see cref="Lines"/> once at the end. Thread-safe.
/// </summary>
/// <example><code>
/// RECAP (3 steps, 4 hosts)
///   web01 : ok=3  changed=2  failed=0  unreachable=0  skipped=0  release=r42  2.31 s
///   web02 : ok=1  changed=1  failed=1  unreachable=0  skipped=1  release=-    0.80 s
/// </code></example>
public sealed class DeployRecap
{
    readonly object gate = new();
    // Insertion order: hosts appear in the order the first step listed them.
    readonly List<HostRecap> hosts = [];
    int steps;

    /// <summary>Adds one step's result: a count per host by its status, the release it deployed, its time.</summary>
    public void Add<T>(FleetResult<T> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        lock (gate)
        {
            steps++;
            foreach (var row in result)
            {
                var i = hosts.FindIndex(h => h.Host == row.Host);
                var h = i >= 0 ? hosts[i] : new HostRecap { Host = row.Host };
                h = row.Status switch
                {
                    HostStatus.Succeeded => h with { Ok = h.Ok + 1, Changed = h.Changed + (Changed(row.Value) ? 1 : 0), ReleaseId = Release(row.Value) ?? h.ReleaseId },
                    HostStatus.Unreachable => h with { Unreachable = h.Unreachable + 1 },
                    HostStatus.Skipped => h with { Skipped = h.Skipped + 1 },
                    _ => h with { Failed = h.Failed + 1 },
                };
                // The step's own time: a release row's Duration covers only its last phase (the prune).
                h = h with { Duration = h.Duration + StepOutcome.Time(row) };
                if (i >= 0) hosts[i] = h; else hosts.Add(h);
            }
        }
    }

    /// <summary>The hosts' lines so far, in the order the hosts first appeared.</summary>
    public IReadOnlyList<HostRecap> Hosts
    {
        get { lock (gate) return [.. hosts]; }
    }

    /// <summary>Steps added so far.</summary>
    public int Steps
    {
        get { lock (gate) return steps; }
    }

    /// <summary>Forgets every step (a front end that printed the recap starts a new one).</summary>
    public void Clear()
    {
        lock (gate)
        {
            hosts.Clear();
            steps = 0;
        }
    }

    /// <summary>The recap as every front end prints it: a header, then one aligned line per host; empty when no step ran.</summary>
    public IReadOnlyList<string> Lines()
    {
        List<HostRecap> rows;
        int count;
        lock (gate) (rows, count) = ([.. hosts], steps);
        if (rows.Count == 0) return [];
        var width = rows.Max(r => r.Host.Length);
        var release = Math.Max(1, rows.Max(r => r.ReleaseId?.Length ?? 0));
        var lines = new List<string> { $"RECAP ({count} step(s), {rows.Count} host(s))" };
        lines.AddRange(rows.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"  {r.Host.PadRight(width)} : ok={r.Ok,-3} changed={r.Changed,-3} failed={r.Failed,-3} unreachable={r.Unreachable,-3} skipped={r.Skipped,-3} " +
            $"release={(r.ReleaseId ?? "-").PadRight(release)}  {r.Duration.TotalSeconds:0.00} s")));
        return lines;
    }

    /// <summary><see cref="Lines"/> joined with newlines.</summary>
    public override string ToString() => string.Join('\n', Lines());

    // A command or a restart always counts as a change (as Ansible's command module does); a health check never does,
    // nor does a WhatIf preview (it changed nothing; its plan says what would change).
    static bool Changed(object? value) => value switch
    {
        IStepOutcome { Plan: not null } => false,
        CopyOutcome c => c.Copy.Changed || c.Release?.Switched is { } s && s.Previous != s.Current,
        TemplateOutcome t => t.Changed,
        ReleaseSwitched s => s.Previous != s.Current,
        HealthCheckResult => false,
        _ => true,
    };

    static string? Release(object? value) => value switch
    {
        IStepOutcome { Plan: not null } => null,
        CopyOutcome { Release: { } r } => r.ReleaseId,
        ReleaseSwitched s => s.Current,
        _ => null,
    };
}
