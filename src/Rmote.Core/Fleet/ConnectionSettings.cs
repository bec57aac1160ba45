namespace Rmote.Fleet;

/// <summary>
/// How to reach a host, without the host itself: the one list of connection settings that <see cref="HostSpec"/>,
/// the Nuke settings and (through a <see cref="HostSpec"/> they hold) the Cake settings share, and that the MSBuild
/// <c>RmoteHost</c> metadata map onto. Every optional setting follows one rule: null is the default named in its
/// documentation, <see cref="TimeSpan.Zero"/> turns a duration off, a negative duration is refused.
/// </summary>
public abstract record ConnectionSettings
{
    /// <summary>Private key file (<c>ssh -i</c>; "~/" is expanded). Null: the agent / ~/.ssh/config.</summary>
    public string? Identity { get; init; }

    /// <summary>Extra ssh arguments, placed before Rmote's own so they take precedence (e.g. <c>["-J", "bastion"]</c>).</summary>
    public IReadOnlyList<string> SshOptions { get; init; } = [];

    /// <summary>The interpreter on the host: a name on PATH or a full path (null: <c>python3</c>).</summary>
    public string? Python { get; init; }

    /// <summary>known_hosts file host keys are checked against (null: the user's).</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>ssh_config file (<c>ssh -F</c>; null: the user's).</summary>
    public string? SshConfigFile { get; init; }

    /// <summary>Host-key policy (default <see cref="Rmote.HostKeyChecking.Strict"/>).</summary>
    public HostKeyChecking HostKeyChecking { get; init; } = HostKeyChecking.Strict;

    /// <summary>Run the remote interpreter through <c>sudo -n</c> (passwordless sudo required; default false).</summary>
    public bool Sudo { get; init; }

    /// <summary>Time allowed to connect to one host (null: 30 s; must be positive: a connect always has a bound).</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>
    /// How long a shared SSH connection stays open after its last session, so the next step's or build's connections
    /// skip the SSH handshake (null: 60 s; <see cref="TimeSpan.Zero"/>: no sharing; see <see cref="Rmote.SshOptions.ConnectionPersist"/>).
    /// </summary>
    public TimeSpan? ConnectionPersist { get; init; }

    /// <summary>
    /// Keep the host's runtime between builds while the shared connection persists, so a later build's connection
    /// starts no SSH session or interpreter on the host (default true; see <see cref="Rmote.SshOptions.KeepRuntime"/>).
    /// </summary>
    public bool KeepRuntime { get; init; } = true;

    /// <summary>
    /// Copies: a host that acknowledges none of the file data in flight for this long fails with "no progress for N s"
    /// and its connection is closed, so a frozen host fails alone (null: 120 s; <see cref="TimeSpan.Zero"/>: off;
    /// see <see cref="ProtocolOptions.NoProgressTimeout"/>).
    /// </summary>
    public TimeSpan? NoProgressTimeout { get; init; }

    /// <summary>
    /// Extra connect attempts after a transient failure (connection refused or reset, no answer in time), each after a
    /// pause that starts at <see cref="ConnectRetryDelay"/> and doubles, with jitter. Permanent failures (authentication,
    /// host key, missing Python) are never retried. Null: 0, one attempt.
    /// </summary>
    public int? ConnectRetries { get; init; }

    /// <summary>The pause before the first connect retry; later ones double it, with jitter, up to 30 s (null: 1 s; zero: none).</summary>
    public TimeSpan? ConnectRetryDelay { get; init; }

    /// <summary>Bytes the host's login may print before the runtime starts (null: 1 MiB; see <see cref="ProtocolOptions.MaxBannerBytes"/>).</summary>
    public int? MaxBannerBytes { get; init; }

    /// <summary>Keep compiled runtime and tool code in the remote user's <c>~/.cache/rmote</c> (default true; see <see cref="ProtocolOptions.CodeCache"/>).</summary>
    public bool CodeCache { get; init; } = true;

    /// <summary>
    /// The host defaults these settings give: a <see cref="HostSpec"/> for <c>local</c> with these connection settings,
    /// the key, known_hosts and ssh_config paths made absolute under <paramref name="baseFolder"/> ("~/" paths are
    /// left for ssh's side to expand). <see cref="HostSpec.Parse(string, HostSpec?)"/> takes it as the template of each host.
    /// </summary>
    /// <param name="baseFolder">The folder relative paths are relative to (the project's, the script's, the build's).</param>
    /// <param name="stepTimeout">The step's time limit on each host (<see cref="HostSpec.Timeout"/>).</param>
    public HostSpec ToHostDefaults(string baseFolder, TimeSpan? stepTimeout = null) => new(this)
    {
        Host = HostSpec.LocalName,
        Identity = FullPath(Identity, baseFolder),
        KnownHostsFile = FullPath(KnownHostsFile, baseFolder),
        SshConfigFile = FullPath(SshConfigFile, baseFolder),
        Timeout = stepTimeout,
    };

    /// <summary>A path setting made absolute under <paramref name="baseFolder"/>; blank is unset, "~" paths stay as written.</summary>
    internal static string? FullPath(string? path, string baseFolder) =>
        string.IsNullOrWhiteSpace(path) ? null
        : path == "~" || path.StartsWith("~/", StringComparison.Ordinal) ? path
        : Path.GetFullPath(path, baseFolder);
}
