using Rmote.Fleet;

namespace Rmote.Nuke;

/// <summary>
/// Connection and fan-out settings every Rmote task shares (immutable: each setter returns a copy). The connection
/// settings are <see cref="ConnectionSettings"/>, the record <see cref="HostSpec"/> is made of: written once, mapped by none.
/// </summary>
public abstract record RmoteSettings : ConnectionSettings
{
    /// <summary>The hosts: <c>user@host:port</c> strings or <c>local</c>.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>
    /// The time limit of the task on each host (null: none). On expiry the host's remote work is cancelled and it fails
    /// with a timeout naming the limit; the other hosts go on and are reported. Exec, service and health settings give
    /// it the meaning of their own wait (enforced on the host), plus a grace period.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Each host's defaults: these connection settings, relative paths under the current directory, the task's time limit.</summary>
    internal HostSpec HostDefaults() => ToHostDefaults(Environment.CurrentDirectory, Timeout);

    /// <summary>
    /// Check mode: the task logs what it would do on each host (files to copy and delete with sizes, a template's diff,
    /// commands and service actions, the release that would become current) and changes nothing on any host (default false).
    /// </summary>
    public bool? WhatIf { get; init; }

    /// <summary>
    /// The folder on the hosts that relative remote paths (a template's destination file, a working directory, a copy's
    /// destination folder) are resolved against; null: a relative remote path is refused.
    /// </summary>
    public string? DeployFolder { get; init; }

    /// <summary>How many hosts are worked on at once (default 32).</summary>
    public int? MaxParallel { get; init; }

    /// <summary>Rolling batches: a host count (<c>"2"</c>) or a percentage (<c>"25%"</c>).</summary>
    public string? Serial { get; init; }

    /// <summary>What a failing host does to the hosts not started yet.</summary>
    public FailurePolicy? FailurePolicy { get; init; }

    /// <summary>The percentage of failed hosts tolerated with <see cref="FailurePolicy.MaxFailurePercentage"/>.</summary>
    public double? MaxFailurePercentage { get; init; }
}
