using System.Text.RegularExpressions;

namespace Rmote.Transport;

/// <summary>Builds the argv for the system OpenSSH client: never a shell string built from user input.</summary>
internal static partial class SshCommand
{
    /// <summary>A word no shell or ssh_config line reinterprets: no spaces, quotes, '%', '~' or shell characters.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_./+-]+$")]
    internal static partial Regex PlainWord();

    public static IReadOnlyList<string> Build(string host, SshOptions options) => Build(host, options, out _, out _);

    /// <summary>The argv; <paramref name="notSharedBecause"/> says why a connection that could be shared is not, and
    /// <paramref name="keeping"/> how its runtime is kept between builds (null: it is not).</summary>
    public static IReadOnlyList<string> Build(string host, SshOptions options, out NotShared? notSharedBecause, out RuntimeKeeping? keeping)
    {
        ValidateHost(host);
        ValidatePython(options.Python, options.SettingNames);
        var argv = new List<string> { options.SshExecutable };
        // User options go first: ssh keeps the first value it sees for an option, so they can override ours.
        argv.AddRange(options.Options);
        argv.AddRange(["-T", "-o", "BatchMode=yes"]);
        argv.AddRange(["-o", "StrictHostKeyChecking=" + options.HostKeyChecking switch
        {
            HostKeyChecking.Strict => "yes",
            HostKeyChecking.AcceptNew => "accept-new",
            _ => "no",
        }]);
        argv.AddRange(["-o", $"ConnectTimeout={Math.Max(1, (int)Math.Ceiling(options.ConnectTimeout.TotalSeconds))}"]);
        if (options.EffectiveServerAliveInterval is { } alive)
            argv.AddRange(["-o", $"ServerAliveInterval={Math.Max(1, (int)alive.TotalSeconds)}", "-o", "ServerAliveCountMax=3"]);
        if (options.KnownHostsFile is { } knownHosts) argv.AddRange(["-o", "UserKnownHostsFile=" + ExpandHome(knownHosts)]);
        if (options.ConfigFile is { } config) argv.AddRange(["-F", ExpandHome(config)]);
        if (options.Port is { } port) argv.AddRange(["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (options.Identity is { } identity) argv.AddRange(["-i", ExpandHome(identity), "-o", "IdentitiesOnly=yes"]);
        if (options.User is { } user)
        {
            if (user.Length == 0 || user.StartsWith('-') || user.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                throw new ArgumentException($"{options.SettingNames["User"]} '{user}' is not a valid user name.", nameof(options));
            argv.AddRange(["-l", user]);
        }
        notSharedBecause = null;
        keeping = null;
        var remoteCommand = RemoteCommand(options);
        if (options.EffectiveConnectionPersist is { } persist)
        {
            // After the user's options: ssh keeps the first value, so their ControlPath=none wins.
            argv.AddRange(SshConnectionSharing.Options([.. argv, "--", host], persist, options.ControlSocketFolder ?? SshConnectionSharing.DefaultFolder, out notSharedBecause));
            keeping = RuntimeKeeping.For([.. argv], host, remoteCommand, options, persist);
        }
        argv.Add("--");
        argv.Add(host);
        argv.Add(remoteCommand);
        return argv;
    }

    /// <summary>The command the remote login shell runs: the first stage sits inside single quotes.</summary>
    public static string RemoteCommand(SshOptions options) =>
        (options.Sudo ? "sudo -n -- " : "") + options.Python + " " + Bootstrap.ShellArguments;

    static void ValidateHost(string host)
    {
        if (string.IsNullOrWhiteSpace(host))
            throw new ArgumentException("The SSH host is empty: pass a host name, user@host, or an alias from ~/.ssh/config.", nameof(host));
        if (host.StartsWith('-') || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '\'' or '"' or ';' or '&' or '|' or '`' or '$' or '<' or '>'))
            throw new ArgumentException($"'{host}' is not a valid SSH host: it may not start with '-' or contain spaces, quotes or shell characters.", nameof(host));
    }

    public static void ValidatePython(string python, SettingNames names)
    {
        if (!PlainWord().IsMatch(python))
            throw new ArgumentException($"{names["Python"]} '{python}' must be an interpreter name or path such as python3.11 or /usr/local/bin/python3 "
                + $"(to run it as root, set {names["Sudo"]} = true).", nameof(python));
    }

    public static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "")
            : path;
}
