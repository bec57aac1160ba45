using Rmote.Fleet;

namespace Rmote.Cake;

/// <summary>
/// Connection and fan-out settings every Rmote alias shares. The defaults work: strict host keys from the user's
/// known_hosts, <c>python3</c> on the host, up to 32 hosts at once, every host runs and failures are reported together.
/// </summary>
public abstract class RmoteSettings
{
    // The one record of connection settings: the properties below read and write it, and it becomes each host's
    // defaults as it is (see HostDefaults), so no field is mapped by hand.
    HostSpec connection = new() { Host = HostSpec.LocalName };

    /// <summary>Private key file (<c>ssh -i</c>); null: the agent / ~/.ssh/config. A relative path is relative to the script's working directory.</summary>
    public string? Identity { get => connection.Identity; set => connection = connection with { Identity = value }; }

    /// <summary>Extra ssh arguments, e.g. <c>["-J", "bastion.example.com"]</c>.</summary>
    public IReadOnlyList<string> SshOptions { get => connection.SshOptions; set => connection = connection with { SshOptions = value ?? [] }; }

    /// <summary>Interpreter on the host (null: <c>python3</c>).</summary>
    public string? Python { get => connection.Python; set => connection = connection with { Python = value }; }

    /// <summary>known_hosts file to check host keys against (null: the user's).</summary>
    public string? KnownHostsFile { get => connection.KnownHostsFile; set => connection = connection with { KnownHostsFile = value }; }

    /// <summary>ssh_config file (<c>ssh -F</c>).</summary>
    public string? SshConfigFile { get => connection.SshConfigFile; set => connection = connection with { SshConfigFile = value }; }

    /// <summary>Host-key policy (default <see cref="Rmote.HostKeyChecking.Strict"/>).</summary>
    public HostKeyChecking HostKeyChecking { get => connection.HostKeyChecking; set => connection = connection with { HostKeyChecking = value }; }

    /// <summary>Run the remote interpreter through <c>sudo -n</c>.</summary>
    public bool Sudo { get => connection.Sudo; set => connection = connection with { Sudo = value }; }

    /// <summary>Time allowed to connect to one host (null: 30 s).</summary>
    public TimeSpan? ConnectTimeout { get => connection.ConnectTimeout; set => connection = connection with { ConnectTimeout = value }; }

    /// <summary>
    /// Extra connect attempts for a host that refuses or resets the connection or does not answer in time (null: 0),
    /// after a pause that starts at <see cref="ConnectRetryDelay"/> and doubles, with jitter; an authentication failure
    /// or a changed host key is never retried.
    /// </summary>
    public int? ConnectRetries { get => connection.ConnectRetries; set => connection = connection with { ConnectRetries = value }; }

    /// <summary>The pause before the first connect retry (null: 1 s; <see cref="TimeSpan.Zero"/>: none).</summary>
    public TimeSpan? ConnectRetryDelay { get => connection.ConnectRetryDelay; set => connection = connection with { ConnectRetryDelay = value }; }

    /// <summary>
    /// How long a shared SSH connection stays open after its last session, so the next build's connections skip the
    /// SSH handshake (null: 60 s; <see cref="TimeSpan.Zero"/>: no sharing; see <see cref="Rmote.SshOptions.ConnectionPersist"/>).
    /// </summary>
    public TimeSpan? ConnectionPersist { get => connection.ConnectionPersist; set => connection = connection with { ConnectionPersist = value }; }

    /// <summary>
    /// Keep the host's runtime between builds while the shared connection persists (default true): a later build's
    /// connection then starts no SSH session or interpreter on the host (see <see cref="Rmote.SshOptions.KeepRuntime"/>).
    /// </summary>
    public bool KeepRuntime { get => connection.KeepRuntime; set => connection = connection with { KeepRuntime = value }; }

    /// <summary>
    /// Copies: a host that acknowledges none of the file data in flight for this long fails with "no progress for N s"
    /// and its connection is closed, so a frozen host fails alone (null: the default, 120 s; <see cref="TimeSpan.Zero"/>: off).
    /// </summary>
    public TimeSpan? NoProgressTimeout { get => connection.NoProgressTimeout; set => connection = connection with { NoProgressTimeout = value }; }

    /// <summary>Keep compiled runtime and tool code in the remote user's <c>~/.cache/rmote</c> (default true; see <see cref="ConnectionSettings.CodeCache"/>).</summary>
    public bool CodeCache { get => connection.CodeCache; set => connection = connection with { CodeCache = value }; }

    /// <summary>Each host's defaults: these connection settings, relative paths under <paramref name="workingDirectory"/>, the alias's time limit.</summary>
    internal HostSpec HostDefaults(string workingDirectory) => connection.ToHostDefaults(workingDirectory, Timeout);

    /// <summary>
    /// Time limit of the alias on each host (null, the default: none). On expiry the host's remote work is cancelled and
    /// it fails with a timeout naming the limit; the other hosts go on and are reported. Service and health settings
    /// keep a <c>Timeout</c> of their own (the wait), which hides this one.
    /// </summary>
    public virtual TimeSpan? Timeout { get; set; }

    /// <summary>
    /// Check mode: the alias logs what it would do on each host (files to copy and delete with sizes, a template's diff,
    /// commands and service actions, the release that would become current) and changes nothing on any host (default
    /// false). The script argument <c>--RmoteWhatIf</c> turns it on for every alias of the run.
    /// </summary>
    public bool WhatIf { get; set; }

    /// <summary>Hosts worked on at once (default 32).</summary>
    public int MaxParallel { get; set; } = 32;

    /// <summary>Rolling batches: a host count (<c>"2"</c>) or a percentage (<c>"25%"</c>); null: all hosts at once.</summary>
    public string? Serial { get; set; }

    /// <summary>What a failing host does to the hosts not started yet (default: continue, then fail the alias).</summary>
    public FailurePolicy FailurePolicy { get; set; } = FailurePolicy.Continue;

    /// <summary>With <see cref="FailurePolicy.MaxFailurePercentage"/>: the percentage of failed hosts tolerated before stopping.</summary>
    public double MaxFailurePercentage { get; set; }

    /// <summary>
    /// The folder on the hosts that relative remote paths (a template's destination file, a working directory, a copy's
    /// destination folder) are resolved against. Null: a relative remote path is refused, never written under the
    /// login user's home folder.
    /// </summary>
    public string? DeployFolder { get; set; }
}
