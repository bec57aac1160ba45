using Rmote.Fleet;

namespace Rmote.Operations;

/// <summary>Hosts that did not succeed, and why: one entry per host, or one per distinct failure when the step groups identical ones.</summary>
/// <param name="Rows">The rows of the hosts that failed this way, in host order (at least one).</param>
/// <typeparam name="T">The step's value.</typeparam>
public sealed record FailureGroup<T>(IReadOnlyList<HostResult<T>> Rows)
{
    /// <summary>The first row: its status, error and reason stand for the group's.</summary>
    public HostResult<T> First => Rows[0];

    /// <summary>The hosts, in host order.</summary>
    public IReadOnlyList<string> Hosts => [.. Rows.Select(r => r.Host)];

    /// <summary>The hosts joined with ", " (<c>web01, web02</c>).</summary>
    public string HostList => string.Join(", ", Hosts);
}

/// <summary>
/// The failures of a step as every front end reports them: MSBuild logs one error per group, Cake and Nuke one line
/// per group. When the step groups identical failures (<see cref="FleetResult{T}.GroupsIdenticalFailures"/>: a
/// template that fails the same way everywhere), hosts whose status, error type and message match (the message without
/// the host's own "[host] " prefix) form one group; otherwise each failed host is its own group.
/// </summary>
public static class FailureGroups
{
    /// <summary>The groups of <paramref name="result"/>'s failed, unreachable and skipped rows, in the order their first host appears.</summary>
    public static IReadOnlyList<FailureGroup<T>> Of<T>(FleetResult<T> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var failed = result.Failures.ToList();
        if (!result.GroupsIdenticalFailures) return [.. failed.Select(r => new FailureGroup<T>([r]))];
        return [.. failed.GroupBy(Key).Select(g => new FailureGroup<T>([.. g]))];
    }

    /// <summary>The message of a row without the "[host] " its host put in front.</summary>
    public static string MessageOf<T>(HostResult<T> row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return (row.Error?.Message ?? row.Reason ?? "").Replace($"[{row.Host}] ", "", StringComparison.Ordinal);
    }

    static (HostStatus, string?, string) Key<T>(HostResult<T> row) => (row.Status, row.Error?.GetType().FullName, MessageOf(row));
}
