namespace Rmote.TestRig;

/// <summary>
/// A Debian bookworm root with real systemd, built once per machine with debootstrap and cached
/// (<c>/var/cache/rmote-test/bookworm-systemd-&lt;stamp&gt;</c>; the stamp changes with <see cref="Packages"/> and the
/// setup steps). <see cref="SystemdHost"/> boots it with systemd-nspawn under a private overlay, so the cached root
/// itself is never written.
/// </summary>
public sealed class SystemdRoot
{
    /// <summary>
    /// systemd (PID 1), dbus (systemctl's bus), libnss-myhostname (the container's hostname resolves: sudo stays quiet),
    /// python3 (the remote runtime), openssh-server, sudo (sudoers tests).
    /// </summary>
    public static readonly IReadOnlyList<string> Packages = ["systemd", "systemd-sysv", "dbus", "libnss-myhostname", "python3", "openssh-server", "sudo"];

    /// <summary>
    /// Units that only slow a test boot or add noise (timers for daily jobs, the console login) are masked. The ssh host
    /// keys debootstrap generated are deleted: every booted host gets its own, made by the rig, never shared.
    /// </summary>
    public const string SetupScript =
        "rm -f /etc/ssh/ssh_host_*key /etc/ssh/ssh_host_*key.pub && " +
        "systemctl mask apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service " +
        "systemd-tmpfiles-clean.timer console-getty.service getty.target && " +
        "systemctl set-default multi-user.target";

    // Bump when the build steps change: the stamp changes and a new root is built next to the old one.
    const int BuilderVersion = 1;

    SystemdRoot(string path) => Path = path;

    /// <summary>The cached root (read-only by convention: hosts boot it under an overlay).</summary>
    public string Path { get; }

    static string Stamp() =>
        CachedRoot.Stamp([DebianRoot.Suite, DebianRoot.Mirror, "systemd", BuilderVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), SetupScript, .. Packages]);

    /// <summary>Returns the cached root, building it first (a few minutes, once per machine) when missing.</summary>
    /// <exception cref="InvalidOperationException">debootstrap, unshare or chroot is missing, or the build failed.</exception>
    public static async Task<SystemdRoot> EnsureAsync(CancellationToken ct = default) =>
        new(await CachedRoot.EnsureAsync($"{DebianRoot.Suite}-systemd", Stamp(), Packages, SetupScript, ct).ConfigureAwait(false));
}
