using Microsoft.Extensions.Logging;

namespace Rmote;

/// <summary>
/// Options common to every transport. Every optional duration follows one rule:
/// null means the default named in its documentation, <see cref="TimeSpan.Zero"/> turns it off, a negative value is
/// refused. <see cref="Rmote.Fleet.HostSpec"/> and the MSBuild, Cake and Nuke settings follow the same rule.
/// </summary>
public record ProtocolOptions
{
    /// <summary>The interpreter started when none is named.</summary>
    internal const string DefaultPython = "python3";

    /// <summary>The connect bound when none is given.</summary>
    internal static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(30);

    internal static readonly TimeSpan DefaultNoProgressTimeout = TimeSpan.FromSeconds(120);

    internal static readonly TimeSpan DefaultFrameStallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Receives the connection's diagnostics and the remote's forwarded <c>logging</c> records.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Host label used in logs and error messages (defaults to the host, "local" or the command).</summary>
    public string? Name { get; init; }

    /// <summary>Python interpreter to start: a name on PATH or a full path (default <c>python3</c>).</summary>
    public string Python { get; init; } = DefaultPython;

    /// <summary>The login-output bound when none is given: 1 MiB (chatty login scripts connect; memory stays bounded).</summary>
    internal const int DefaultMaxBannerBytes = 1024 * 1024;

    /// <summary>
    /// Bytes the remote may print before the runtime's ready marker (motd, login-script output), default 1 MiB, at
    /// least 1: more fails the connect with <see cref="ConnectFailure.NoReadyMarker"/> rather than buffering without end.
    /// </summary>
    public int MaxBannerBytes { get; init; } = DefaultMaxBannerBytes;

    /// <summary>Largest frame accepted from the remote, in bytes (default 64 MiB).</summary>
    public int MaxFrameSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// Bytes of a streamed call's items the remote may send ahead of what the consumer has read (default 8 MiB,
    /// at least 64 KiB): a slow reader of a fast stream pauses the remote generator instead of filling memory.
    /// </summary>
    public int StreamWindow { get; init; } = 8 * 1024 * 1024;

    /// <summary>Time allowed from starting the transport to the runtime being ready (default 30 s; must be positive: a connect always has a bound).</summary>
    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;

    /// <summary>Default time limit for each call; null (the default) and zero mean none. A handle's own timeout wins.</summary>
    public TimeSpan? CallTimeout { get; init; }

    /// <summary>The call limit <see cref="CallTimeout"/> gives (null: none).</summary>
    internal TimeSpan? EffectiveCallTimeout => DurationSetting.Resolve(CallTimeout, null, SettingNames["CallTimeout"]);

    /// <summary>
    /// Copies only: a host that acknowledges none of the file data in flight for this long is cut off, its calls
    /// failing with <see cref="RemoteStalledException"/> ("no progress for N s") and its transport killed: a frozen
    /// interpreter (SIGSTOP, a hung disk) fails its host alone instead of hanging the deploy. Default 120 s, longer
    /// than ssh's own dead-link detection (3 × 15 s keep-alives) and than the slowest acknowledgement of a 4 MiB
    /// chunk over a 1 Mbit/s link (~35 s). Null: the default; <see cref="TimeSpan.Zero"/> turns it off. Calls without
    /// file data (a long plan, an Exec) are bounded by <see cref="CallTimeout"/> instead.
    /// </summary>
    public TimeSpan? NoProgressTimeout { get; init; }

    /// <summary>The no-progress bound <see cref="NoProgressTimeout"/> gives (null: off).</summary>
    internal TimeSpan? EffectiveNoProgressTimeout => DurationSetting.Resolve(NoProgressTimeout, DefaultNoProgressTimeout, SettingNames["NoProgressTimeout"]);

    /// <summary>
    /// A remote that sends part of a frame (some of its header or body) and then nothing more for this long is cut
    /// off with a <see cref="ProtocolException"/> ("the remote stalled inside a frame"), failing every pending call;
    /// the transport is killed. Null: the default, 60 s (longer than ssh's dead-link detection, so a dead link is
    /// reported as such); <see cref="TimeSpan.Zero"/> turns it off. Bytes still arriving, however slowly, never count as a stall.
    /// </summary>
    public TimeSpan? FrameStallTimeout { get; init; }

    /// <summary>The stall bound <see cref="FrameStallTimeout"/> gives (null: off).</summary>
    internal TimeSpan? EffectiveFrameStallTimeout => DurationSetting.Resolve(FrameStallTimeout, DefaultFrameStallTimeout, SettingNames["FrameStallTimeout"]);

    /// <summary>
    /// Remote log records (LOG frames) allowed: default 1,000 per second sustained, bursts of 10,000. A remote sending
    /// more is cut off with a <see cref="ProtocolException"/> (a flood would otherwise keep the controller busy and
    /// the build log growing while the call never ends); null: no limit.
    /// </summary>
    public RateQuota? LogQuota { get; init; } = new(1_000, 10_000);

    /// <summary>
    /// Bytes of stream items (CHUNK frames) that no stream reads, allowed: the tail of a cancelled stream (at most its
    /// window plus one frame) or items for a call that returns a single value. Default 16 MiB per second, bursts of
    /// 256 MiB; more is a <see cref="ProtocolException"/>. Items a stream's reader consumes are never counted. Null: no limit.
    /// </summary>
    public RateQuota? StrayChunkQuota { get; init; } = new(16L << 20, 256L << 20);

    /// <summary>
    /// Bytes the transport may write to stderr (ssh's messages, a login script's noise; the runtime itself writes
    /// nothing there): default 64 KiB per second, bursts of 1 MiB. A flood is cut off with a
    /// <see cref="ProtocolException"/> and the transport killed. Null: no limit (memory stays bounded either way).
    /// </summary>
    public RateQuota? StderrQuota { get; init; } = new(64 << 10, 1 << 20);

    /// <summary>Lowest remote log level forwarded (default Information).</summary>
    public LogLevel RemoteLogLevel { get; init; } = LogLevel.Information;

    /// <summary>
    /// Keep the compiled runtime and tools in <c>~/.cache/rmote</c> of the remote user (a folder only that user
    /// can enter; one small file per tool and interpreter), which saves compiling them on every connect
    /// (about 10 ms of CPU per connection). False (default true) leaves nothing on the host.
    /// </summary>
    public bool CodeCache { get; init; } = true;

    /// <summary>How errors name these settings: the C# API's names unless a front end says otherwise.</summary>
    internal Transport.SettingNames SettingNames { get; init; } = Transport.SettingNames.SshOptionsApi;

    /// <summary>Extra environment variables for the local transport process.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}

/// <summary>How the SSH client treats a host key it has not seen or that changed.</summary>
public enum HostKeyChecking
{
    /// <summary>Only hosts whose key is in known_hosts (the default and the safe choice).</summary>
    Strict,
    /// <summary>Add unknown hosts' keys on first use; still refuse changed keys (logged as a warning).</summary>
    AcceptNew,
    /// <summary>No checking at all (logged as a warning; for throwaway test hosts only).</summary>
    Off,
}

/// <summary>
/// Options for <see cref="Protocol.FromSshAsync"/>; the system OpenSSH client honours ~/.ssh/config, the agent and -J jump hosts.
/// A new connection offers AES-GCM first when this CPU has AES instructions and no cipher list is configured (OpenSSH's
/// default puts chacha20-poly1305 first); a <c>Ciphers</c> line in ssh_config or <c>-o Ciphers=...</c> in
/// <see cref="Options"/> is used as written.
/// </summary>
public sealed record SshOptions : ProtocolOptions
{
    /// <summary>Remote user (ssh -l).</summary>
    public string? User { get; init; }

    /// <summary>Remote port (ssh -p).</summary>
    public int? Port { get; init; }

    /// <summary>Private key file (ssh -i); "~/" is expanded.</summary>
    public string? Identity { get; init; }

    /// <summary>Extra ssh arguments, placed before Rmote's own so they take precedence (e.g. <c>["-J", "bastion"]</c>).</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    /// <summary>known_hosts file to use instead of the user's.</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>ssh_config file (ssh -F).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Host-key policy (default <see cref="HostKeyChecking.Strict"/>).</summary>
    public HostKeyChecking HostKeyChecking { get; init; } = HostKeyChecking.Strict;

    /// <summary>Run the remote interpreter through <c>sudo -n</c> (passwordless sudo required).</summary>
    public bool Sudo { get; init; }

    /// <summary>The ssh client program (default <c>ssh</c> on PATH).</summary>
    public string SshExecutable { get; init; } = "ssh";

    /// <summary>
    /// How long a shared SSH connection stays open after its last session ends (null: the default, 60 s;
    /// <see cref="TimeSpan.Zero"/> turns sharing off). The first connection to a host becomes a background OpenSSH master (ControlMaster=auto,
    /// ControlPersist); later connections with the same host, user, port, key, known_hosts and extra options, from
    /// this process or the next build, open a session on it instead of a new key exchange and login: a redeploy
    /// that finds little to do takes a fraction of the time. The control sockets live in <c>~/.cache/rmote/ssh</c>
    /// (mode 0700); a socket folder or parent that another user owns or can write skips sharing with a warning (Linux
    /// checks it; elsewhere nothing is shared). A master holds an authenticated connection: any process of this local
    /// user can open sessions
    /// through it until it closes. <c>-o ControlPath=none</c> in <see cref="Options"/> also turns sharing off.
    /// The host's runtime is kept as long (unless <see cref="KeepRuntime"/> is false, <see cref="Sudo"/> is set or
    /// <see cref="Options"/> choose the control socket): the first connection starts a keeper on the host, an interpreter of the remote user that forks a fresh
    /// runtime for each later connection, reached through the master's forwarded Unix socket (the host's in
    /// <c>~/.cache/rmote/run</c>, mode 0600 in a 0700 folder; the local one beside the control socket). A later build's
    /// connection then starts no ssh client, SSH session, shell or interpreter. The keeper runs in the environment of
    /// the session that started it and exits once no connection came for this long; one that is gone or does not
    /// answer within 10 s (or the connect timeout) costs the usual start.
    /// </summary>
    public TimeSpan? ConnectionPersist { get; init; }

    internal static readonly TimeSpan DefaultConnectionPersist = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Keep the host's runtime while the shared connection persists (default true; see <see cref="ConnectionPersist"/>).
    /// False leaves nothing running on the host between connections: each one starts an SSH session and an interpreter.
    /// </summary>
    public bool KeepRuntime { get; init; } = true;

    /// <summary>How long a shared connection stays open (null: not shared).</summary>
    internal TimeSpan? EffectiveConnectionPersist => DurationSetting.Resolve(ConnectionPersist, DefaultConnectionPersist, SettingNames["ConnectionPersist"]);

    /// <summary>The control sockets' folder instead of <c>~/.cache/rmote/ssh</c> (tests use their own).</summary>
    internal string? ControlSocketFolder { get; init; }

    /// <summary>Keep-alive probe interval; a dead link is noticed after three missed probes (null: the default, 15 s; <see cref="TimeSpan.Zero"/>: no probes).</summary>
    public TimeSpan? ServerAliveInterval { get; init; }

    internal static readonly TimeSpan DefaultServerAliveInterval = TimeSpan.FromSeconds(15);

    /// <summary>The probe interval <see cref="ServerAliveInterval"/> gives (null: no probes).</summary>
    internal TimeSpan? EffectiveServerAliveInterval => DurationSetting.Resolve(ServerAliveInterval, DefaultServerAliveInterval, SettingNames["ServerAliveInterval"]);
}
