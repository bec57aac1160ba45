using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Rmote.Fleet;

/// <summary>
/// One host of a fleet: <c>local</c> (the embedded local python3 child) or an SSH destination with its options.
/// Parse <c>host</c>, <c>user@host</c>, <c>host:port</c>, <c>user@host:port</c>, <c>[::1]:22</c>, <c>ssh://user@host:port</c>.
/// </summary>
public sealed record HostSpec
{
    /// <summary>The literal that names the local embedded target.</summary>
    public const string LocalName = "local";

    /// <summary>Host name or address (IPv6 without brackets), or <c>local</c>.</summary>
    public required string Host { get; init; }

    /// <summary>SSH user (null: ssh's default / ~/.ssh/config).</summary>
    public string? User { get; init; }

    /// <summary>SSH port (null: 22 / ~/.ssh/config).</summary>
    public int? Port { get; init; }

    /// <summary>Label used in results, logs and errors (default: the spec as written, e.g. <c>deploy@web01:2222</c>).</summary>
    public string? Name { get; init; }

    /// <summary>Private key file (ssh -i).</summary>
    public string? Identity { get; init; }

    /// <summary>Remote interpreter (default python3).</summary>
    public string? Python { get; init; }

    /// <summary>Extra ssh arguments (e.g. <c>["-J", "bastion"]</c>).</summary>
    public IReadOnlyList<string> SshOptions { get; init; } = [];

    /// <summary>known_hosts file to use.</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>ssh_config file (ssh -F).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Host-key policy (default strict).</summary>
    public HostKeyChecking HostKeyChecking { get; init; } = HostKeyChecking.Strict;

    /// <summary>Run the remote interpreter through <c>sudo -n</c>.</summary>
    public bool Sudo { get; init; }

    /// <summary>Time allowed to connect (default 30 s).</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>
    /// How long a shared SSH connection to this host stays open after its last session (null: the default, 60 s;
    /// <see cref="TimeSpan.Zero"/>: no sharing; see <see cref="Rmote.SshOptions.ConnectionPersist"/>).
    /// </summary>
    public TimeSpan? ConnectionPersist { get; init; }

    /// <summary>
    /// Time limit of each step on this host (a copy, an exec, a switch...), and of each call made directly on a
    /// connection this spec opens (<see cref="ProtocolOptions.CallTimeout"/>). On expiry the host's remote calls are
    /// cancelled and the host fails with a <see cref="TimeoutException"/> naming the limit; other hosts go on. Null: none.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// Copies: a host that acknowledges none of the file data in flight for this long fails with "no progress for N s"
    /// and its connection is closed (see <see cref="ProtocolOptions.NoProgressTimeout"/>). Null: the default, 120 s;
    /// <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan? NoProgressTimeout { get; init; }

    /// <summary>The step and call limit (null when unset, zero or negative: no limit).</summary>
    internal TimeSpan? EffectiveTimeout => Timeout is { } t && t > TimeSpan.Zero && t != System.Threading.Timeout.InfiniteTimeSpan ? t : null;

    /// <summary>The no-progress bound a connection gets from <see cref="NoProgressTimeout"/> (null: off).</summary>
    internal TimeSpan? EffectiveNoProgressTimeout => NoProgressTimeout switch
    {
        null => ProtocolOptions.DefaultNoProgressTimeout,
        { } t when t <= TimeSpan.Zero || t == System.Threading.Timeout.InfiniteTimeSpan => null,
        { } t => t,
    };

    /// <summary>Keep compiled runtime and tool code in the remote user's <c>~/.cache/rmote</c> (default true; see <see cref="ProtocolOptions.CodeCache"/>).</summary>
    public bool CodeCache { get; init; } = true;

    /// <summary>True for the local embedded target.</summary>
    public bool IsLocal => string.Equals(Host, LocalName, StringComparison.OrdinalIgnoreCase);

    /// <summary>The label: <see cref="Name"/> or the spec as written.</summary>
    public string Label => Name ?? ToString();

    /// <summary>Parses a host string; the other settings come from <paramref name="defaults"/> (its Host/User/Port/Name are overridden).</summary>
    /// <exception cref="FormatException">The text is not a valid host spec (the message says why).</exception>
    public static HostSpec Parse(string text, HostSpec? defaults = null) =>
        TryParse(text, defaults, out var spec, out var error) ? spec : throw new FormatException(error);

    /// <summary>Parses a host string without throwing.</summary>
    public static bool TryParse(string? text, HostSpec? defaults, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HostSpec? spec, out string? error)
    {
        spec = null;
        error = null;
        var s = text?.Trim() ?? "";
        if (s.Length == 0) { error = "Host spec is empty."; return false; }
        var template = defaults ?? new HostSpec { Host = LocalName };
        if (string.Equals(s, LocalName, StringComparison.OrdinalIgnoreCase))
        {
            spec = template with { Host = LocalName, User = null, Port = null, Name = null };
            return true;
        }
        if (s.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase)) s = s[6..].TrimEnd('/');
        if (s.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))) { error = $"Host spec '{text}' contains whitespace or control characters."; return false; }

        string? user = null;
        var at = s.LastIndexOf('@');
        if (at >= 0)
        {
            user = s[..at];
            s = s[(at + 1)..];
            if (user.Length == 0) { error = $"Host spec '{text}' has an empty user before '@'."; return false; }
            if (user.StartsWith('-')) { error = $"Host spec '{text}': a user may not start with '-'."; return false; }
        }

        string host;
        string? portText = null;
        if (s.StartsWith('['))
        {
            var close = s.IndexOf(']');
            if (close < 0) { error = $"Host spec '{text}' has '[' without ']'."; return false; }
            host = s[1..close];
            var rest = s[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':') { error = $"Host spec '{text}': expected ':port' after ']'."; return false; }
                portText = rest[1..];
            }
        }
        else
        {
            var colons = s.Count(c => c == ':');
            if (colons == 1)
            {
                var i = s.IndexOf(':');
                host = s[..i];
                portText = s[(i + 1)..];
            }
            else
            {
                host = s; // a bare name, or an IPv6 address without brackets (no port possible)
            }
        }
        if (host.Length == 0) { error = $"Host spec '{text}' has no host name."; return false; }
        if (host.StartsWith('-')) { error = $"Host spec '{text}': a host may not start with '-'."; return false; }
        int? port = null;
        if (portText != null)
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                error = $"Host spec '{text}' has an invalid port '{portText}' (1-65535).";
                return false;
            }
            port = p;
        }
        spec = template with { Host = host, User = user ?? template.User, Port = port ?? template.Port, Name = null };
        return true;
    }

    /// <summary>Opens a connection to this host.</summary>
    public Task<Protocol> ConnectAsync(ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        if (IsLocal)
        {
            var o = new ProtocolOptions { Name = Label, Logger = logger, Python = Python ?? "python3", ConnectTimeout = ConnectTimeout ?? TimeSpan.FromSeconds(30), CodeCache = CodeCache,
                CallTimeout = EffectiveTimeout, NoProgressTimeout = EffectiveNoProgressTimeout };
            return Sudo
                ? Protocol.FromCommandAsync(["sudo", "-n", o.Python], o, cancellationToken)
                : Protocol.FromSubprocessAsync(o, cancellationToken);
        }
        return Protocol.FromSshAsync(Host, new Rmote.SshOptions
        {
            Name = Label,
            Logger = logger,
            User = User,
            Port = Port,
            Identity = Identity,
            Python = Python ?? "python3",
            Options = SshOptions,
            KnownHostsFile = KnownHostsFile,
            ConfigFile = ConfigFile,
            HostKeyChecking = HostKeyChecking,
            Sudo = Sudo,
            ConnectTimeout = ConnectTimeout ?? TimeSpan.FromSeconds(30),
            CodeCache = CodeCache,
            CallTimeout = EffectiveTimeout,
            NoProgressTimeout = EffectiveNoProgressTimeout,
            ConnectionPersist = ConnectionPersist ?? Rmote.SshOptions.DefaultConnectionPersist,
        }, cancellationToken);
    }

    /// <summary>The spec as a host string: <c>user@host:port</c> (IPv6 in brackets when a port follows).</summary>
    public override string ToString()
    {
        if (IsLocal) return LocalName;
        var h = Host.Contains(':') && Port != null ? $"[{Host}]" : Host;
        return (User != null ? User + "@" : "") + h + (Port != null ? ":" + Port.Value.ToString(CultureInfo.InvariantCulture) : "");
    }
}
