using Rmote.Fleet;

namespace Rmote.Cake;

/// <summary>Fluent setters for the connection and fan-out fields every Rmote settings class has.</summary>
public static class RmoteSettingsExtensions
{
    /// <summary>Sets the private key file (<c>ssh -i</c>).</summary>
    public static T WithIdentity<T>(this T settings, string identity) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Identity = identity;
        return settings;
    }

    /// <summary>Appends extra ssh arguments (e.g. <c>"-J", "bastion"</c>).</summary>
    public static T WithSshOptions<T>(this T settings, params string[] options) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.SshOptions = [.. settings.SshOptions, .. options];
        return settings;
    }

    /// <summary>Sets the interpreter to start on the host (e.g. <c>python3.11</c>).</summary>
    public static T WithPython<T>(this T settings, string python) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Python = python;
        return settings;
    }

    /// <summary>Checks host keys against this known_hosts file.</summary>
    public static T WithKnownHostsFile<T>(this T settings, string knownHostsFile) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.KnownHostsFile = knownHostsFile;
        return settings;
    }

    /// <summary>Uses this ssh_config file (<c>ssh -F</c>).</summary>
    public static T WithSshConfigFile<T>(this T settings, string sshConfigFile) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.SshConfigFile = sshConfigFile;
        return settings;
    }

    /// <summary>Sets the host-key policy.</summary>
    public static T WithHostKeyChecking<T>(this T settings, HostKeyChecking policy) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.HostKeyChecking = policy;
        return settings;
    }

    /// <summary>Runs the remote interpreter through <c>sudo -n</c>.</summary>
    public static T WithSudo<T>(this T settings, bool sudo = true) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Sudo = sudo;
        return settings;
    }

    /// <summary>Sets the time allowed to connect to one host.</summary>
    public static T WithConnectTimeout<T>(this T settings, TimeSpan timeout) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.ConnectTimeout = timeout;
        return settings;
    }

    /// <summary>Retries a transient connect failure (refused, reset, no answer) <paramref name="retries"/> times, first after <paramref name="retryDelay"/> (1 s), doubling with jitter.</summary>
    public static T WithConnectRetries<T>(this T settings, int retries, TimeSpan? retryDelay = null) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.ConnectRetries = retries;
        settings.ConnectRetryDelay = retryDelay ?? settings.ConnectRetryDelay;
        return settings;
    }

    /// <summary>Sets the time limit of the alias on each host (see <see cref="RmoteSettings.Timeout"/>).</summary>
    public static T WithTimeout<T>(this T settings, TimeSpan timeout) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Timeout = timeout;
        return settings;
    }

    /// <summary>Sets the no-progress bound of copies (<see cref="TimeSpan.Zero"/>: off; see <see cref="RmoteSettings.NoProgressTimeout"/>).</summary>
    public static T WithNoProgressTimeout<T>(this T settings, TimeSpan timeout) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.NoProgressTimeout = timeout;
        return settings;
    }

    /// <summary>Sets how long a shared SSH connection stays open after its last session (<see cref="TimeSpan.Zero"/>: no sharing).</summary>
    public static T WithConnectionPersist<T>(this T settings, TimeSpan persist) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.ConnectionPersist = persist;
        return settings;
    }

    /// <summary>Sets whether the host's runtime is kept between builds while the shared connection persists (default true).</summary>
    public static T WithKeepRuntime<T>(this T settings, bool keep = true) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.KeepRuntime = keep;
        return settings;
    }

    /// <summary>Keeps (true, the default) or leaves no compiled code in the remote user's <c>~/.cache/rmote</c>.</summary>
    public static T WithCodeCache<T>(this T settings, bool codeCache = true) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.CodeCache = codeCache;
        return settings;
    }

    /// <summary>Sets how many hosts are worked on at once.</summary>
    public static T WithMaxParallel<T>(this T settings, int maxParallel) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.MaxParallel = maxParallel;
        return settings;
    }

    /// <summary>Works in rolling batches: a host count (<c>"2"</c>) or a percentage (<c>"25%"</c>).</summary>
    public static T WithSerial<T>(this T settings, string serial) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Serial = serial;
        return settings;
    }

    /// <summary>Check mode: log what the alias would do on each host and change nothing (<see cref="RmoteSettings.WhatIf"/>).</summary>
    public static T WithWhatIf<T>(this T settings, bool whatIf = true) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.WhatIf = whatIf;
        return settings;
    }

    /// <summary>Sets what a failing host does to the hosts not started yet.</summary>
    public static T WithFailurePolicy<T>(this T settings, FailurePolicy policy, double maxFailurePercentage = 0) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.FailurePolicy = policy;
        settings.MaxFailurePercentage = maxFailurePercentage;
        return settings;
    }

    /// <summary>Sets the folder on the hosts that relative remote paths are resolved against.</summary>
    public static T WithDeployFolder<T>(this T settings, string deployFolder) where T : RmoteSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.DeployFolder = deployFolder;
        return settings;
    }
}
