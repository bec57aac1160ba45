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

    /// <summary>How many hosts are worked on at once (default 32).</summary>
    public int? MaxParallel { get; init; }

    /// <summary>Rolling batches: a host count (<c>"2"</c>) or a percentage (<c>"25%"</c>).</summary>
    public string? Serial { get; init; }

    /// <summary>What a failing host does to the hosts not started yet.</summary>
    public FailurePolicy? FailurePolicy { get; init; }

    /// <summary>The percentage of failed hosts tolerated with <see cref="FailurePolicy.MaxFailurePercentage"/>.</summary>
    public double? MaxFailurePercentage { get; init; }
}
