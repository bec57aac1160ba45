using System.Collections;

namespace Rmote.Fleet;

/// <summary>Per-host results of one fan-out step, in host order. One failing host never hides the others.</summary>
/// <typeparam name="T">The operation's value.</typeparam>
public sealed class FleetResult<T> : IReadOnlyList<HostResult<T>>
{
    readonly IReadOnlyList<HostResult<T>> rows;

    internal FleetResult(IReadOnlyList<HostResult<T>> rows, TimeSpan duration, string? stopReason, string? note = null)
        => (this.rows, Duration, StopReason, Note) = (rows, duration, stopReason, note);

    /// <summary>Wall time of the whole step.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Why the failure policy stopped starting hosts, or null if it did not.</summary>
    public string? StopReason { get; }

    /// <summary>A remark from the operation (e.g. "release not switched").</summary>
    public string? Note { get; }

    /// <summary>
    /// True when hosts that failed the same way are reported as one failure naming them (the operation's choice: a
    /// template error is the template's, not the host's). See <see cref="Operations.FailureGroups"/>.
    /// </summary>
    public bool GroupsIdenticalFailures { get; private init; }

    /// <summary>The same rows, with hosts that failed the same way reported as one failure.</summary>
    public FleetResult<T> WithIdenticalFailuresGrouped() => new(rows, Duration, StopReason, Note) { GroupsIdenticalFailures = true };

    /// <summary>True when every host succeeded.</summary>
    public bool AllSucceeded => rows.All(r => r.Success);

    /// <summary>Rows that succeeded.</summary>
    public IEnumerable<HostResult<T>> Successes => rows.Where(r => r.Success);

    /// <summary>Rows that did not succeed (failed, unreachable or skipped).</summary>
    public IEnumerable<HostResult<T>> Failures => rows.Where(r => !r.Success);

    /// <summary>The row of <paramref name="host"/>.</summary>
    public HostResult<T> this[string host] => rows.First(r => r.Host == host);

    /// <inheritdoc/>
    public HostResult<T> this[int index] => rows[index];

    /// <inheritdoc/>
    public int Count => rows.Count;

    /// <summary>The same rows with each successful value converted (failed rows keep their error and reason).</summary>
    public FleetResult<TOut> Map<TOut>(Func<HostResult<T>, TOut> convert)
    {
        ArgumentNullException.ThrowIfNull(convert);
        return new FleetResult<TOut>(rows.Select(r => new HostResult<TOut>
        {
            Host = r.Host, Status = r.Status, Value = r.Success ? convert(r) : default, Error = r.Error, Reason = r.Reason, Duration = r.Duration, Batch = r.Batch,
        }).ToList(), Duration, StopReason, Note) { GroupsIdenticalFailures = GroupsIdenticalFailures };
    }

    /// <summary>The same rows with a note attached.</summary>
    public FleetResult<T> WithNote(string note) => new(rows, Duration, StopReason, note) { GroupsIdenticalFailures = GroupsIdenticalFailures };

    /// <summary>Throws <see cref="FleetException"/> (listing every failed host) unless all succeeded.</summary>
    public FleetResult<T> EnsureSuccess()
    {
        if (!AllSucceeded) throw new FleetException(ToTable(), Failures.Select(r => r.Error).OfType<Exception>());
        return this;
    }

    /// <summary>A readable table: host, status, time, detail.</summary>
    public string ToTable(Func<T, string>? describe = null) => ResultTable.Format(this, describe);

    /// <inheritdoc/>
    public IEnumerator<HostResult<T>> GetEnumerator() => rows.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => ToTable();
}

/// <summary>One or more hosts of a fan-out failed; the message is the result table.</summary>
public sealed class FleetException : AggregateException
{
    /// <summary>Creates the exception.</summary>
    public FleetException(string table, IEnumerable<Exception> errors) : base("Some hosts failed:\n" + table, errors) => Table = table;

    /// <summary>The per-host result table.</summary>
    public string Table { get; }
}
