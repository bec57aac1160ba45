using System.Globalization;
using Microsoft.Extensions.Logging;
using Rmote.Transport;

namespace Rmote.Fleet;

/// <summary>
/// One host of a fleet and how to reach it: <c>local</c> (the embedded local python3 child) or an SSH destination,
/// with the <see cref="ConnectionSettings"/> every front end shares. The one record of connection settings: MSBuild's
/// <c>RmoteHost</c> items, the Cake and Nuke settings and the C# API all end up here, and
/// <see cref="ToSshOptions"/> is the one mapping to the transport.
/// Parse <c>host</c>, <c>user@host</c>, <c>host:port</c>, <c>user@host:port</c>, <c>[::1]:22</c>, <c>ssh://user@host:port</c>.
/// </summary>
public sealed record HostSpec : ConnectionSettings
{
    /// <summary>The literal that names the local embedded target.</summary>
    public const string LocalName = "local";

    /// <summary>An empty spec; set <see cref="Host"/>.</summary>
    public HostSpec() { }

    /// <summary>A spec with the connection settings of <paramref name="settings"/> (the record's own copy: no field list to keep).</summary>
    internal HostSpec(ConnectionSettings settings) : base(settings) { }

    /// <summary>Host name or address (IPv6 without brackets), or <c>local</c>.</summary>
    public required string Host { get; init; }

    /// <summary>SSH user (null: ssh's default / ~/.ssh/config).</summary>
    public string? User { get; init; }

    /// <summary>SSH port (null: 22 / ~/.ssh/config).</summary>
    public int? Port { get; init; }

    /// <summary>Label used in results, logs and errors (default: the spec as written, e.g. <c>deploy@web01:2222</c>).</summary>
    public string? Name { get; init; }

    /// <summary>
    /// Time limit of each step on this host (a copy, an exec, a switch...), and of each call made directly on a
    /// connection this spec opens (<see cref="ProtocolOptions.CallTimeout"/>). On expiry the host's remote calls are
    /// cancelled and the host fails with a <see cref="TimeoutException"/> naming the limit; other hosts go on.
    /// Null: the session's <see cref="FleetOptions.Timeout"/> (none by default); <see cref="TimeSpan.Zero"/>: none.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>How errors name this spec's settings: its own names, or the MSBuild metadata it was read from.</summary>
    internal SettingNames SettingNames { get; init; } = SettingNames.HostSpec;

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

    /// <summary>
    /// The transport options of this host: every setting copied as it is (null stays "the default", zero stays
    /// "off"; the defaults live in <see cref="ProtocolOptions"/> and <see cref="Rmote.SshOptions"/>). For
    /// <c>local</c> only the <see cref="ProtocolOptions"/> part is used.
    /// </summary>
    /// <param name="logger">Receives the connection's diagnostics.</param>
    public SshOptions ToSshOptions(ILogger? logger = null) => new()
    {
        Name = Label,
        Logger = logger,
        User = User,
        Port = Port,
        Identity = Identity,
        Python = Python ?? ProtocolOptions.DefaultPython,
        Options = SshOptions,
        KnownHostsFile = KnownHostsFile,
        ConfigFile = SshConfigFile,
        HostKeyChecking = HostKeyChecking,
        Sudo = Sudo,
        ConnectTimeout = ConnectTimeout ?? ProtocolOptions.DefaultConnectTimeout,
        ConnectionPersist = ConnectionPersist,
        KeepRuntime = KeepRuntime,
        NoProgressTimeout = NoProgressTimeout,
        MaxBannerBytes = MaxBannerBytes ?? ProtocolOptions.DefaultMaxBannerBytes,
        CallTimeout = Timeout,
        CodeCache = CodeCache,
        SettingNames = SettingNames,
    };

    /// <summary>What connecting runs: ssh for a remote host, the interpreter (through <c>sudo -n</c> when asked) for <c>local</c>.</summary>
    internal TransportPlan ToTransportPlan(ILogger? logger)
    {
        var options = ToSshOptions(logger);
        return !IsLocal ? TransportPlan.Ssh(Host, options)
            : Sudo ? TransportPlan.Command(["sudo", "-n", options.Python], options)
            : TransportPlan.Local(options);
    }

    /// <summary>Opens a connection to this host, retrying transient failures <see cref="ConnectionSettings.ConnectRetries"/> times.</summary>
    public Task<Protocol> ConnectAsync(ILogger? logger = null, CancellationToken cancellationToken = default) =>
        ConnectRetry.StartAsync(ToTransportPlan(logger), this, logger, cancellationToken);

    /// <summary>The spec as a host string: <c>user@host:port</c> (IPv6 in brackets when a port follows).</summary>
    public override string ToString()
    {
        if (IsLocal) return LocalName;
        var h = Host.Contains(':') && Port != null ? $"[{Host}]" : Host;
        return (User != null ? User + "@" : "") + h + (Port != null ? ":" + Port.Value.ToString(CultureInfo.InvariantCulture) : "");
    }
}
