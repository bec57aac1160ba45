using Rmote.Fleet;

namespace Rmote.Nuke;

/// <summary>Connection and fan-out settings every Rmote task shares (immutable: each setter returns a copy).</summary>
public abstract record RmoteSettings
{
    /// <summary>The hosts: <c>user@host:port</c> strings or <c>local</c>.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>The private key file (<c>ssh -i</c>).</summary>
    public string? Identity { get; init; }

    /// <summary>Extra ssh arguments (e.g. <c>-J bastion</c>).</summary>
    public IReadOnlyList<string> SshOptions { get; init; } = [];

    /// <summary>The interpreter on the hosts (default <c>python3</c>).</summary>
    public string? Python { get; init; }

    /// <summary>The known_hosts file host keys are checked against.</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>The ssh_config file (<c>ssh -F</c>).</summary>
    public string? SshConfigFile { get; init; }

    /// <summary>The host-key policy (default strict).</summary>
    public HostKeyChecking? HostKeyChecking { get; init; }

    /// <summary>Whether the remote interpreter runs through <c>sudo -n</c>.</summary>
    public bool? Sudo { get; init; }

    /// <summary>The time allowed to connect to one host.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>How long a shared SSH connection stays open after its last session (default 60 s; <see cref="TimeSpan.Zero"/>: no sharing).</summary>
    public TimeSpan? ConnectionPersist { get; init; }

    /// <summary>
    /// The time limit of the task on each host (null: none). On expiry the host's remote work is cancelled and it fails
    /// with a timeout naming the limit; the other hosts go on and are reported. Exec, service and health settings give
    /// it the meaning of their own wait (enforced on the host), plus a grace period.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The limit the task gets on each host.</summary>
    internal virtual TimeSpan? StepTimeout => Timeout;

    /// <summary>
    /// Copies: a host that acknowledges none of the file data in flight for this long fails with "no progress for N s"
    /// and its connection is closed, so a frozen host fails alone (null: the default, 120 s; <see cref="TimeSpan.Zero"/>: off).
    /// </summary>
    public TimeSpan? NoProgressTimeout { get; init; }

    /// <summary>How many hosts are worked on at once (default 32).</summary>
    public int? MaxParallel { get; init; }

    /// <summary>Rolling batches: a host count (<c>"2"</c>) or a percentage (<c>"25%"</c>).</summary>
    public string? Serial { get; init; }

    /// <summary>What a failing host does to the hosts not started yet.</summary>
    public FailurePolicy? FailurePolicy { get; init; }

    /// <summary>The percentage of failed hosts tolerated with <see cref="FailurePolicy.MaxFailurePercentage"/>.</summary>
    public double? MaxFailurePercentage { get; init; }
}
