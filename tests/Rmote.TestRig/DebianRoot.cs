namespace Rmote.TestRig;

/// <summary>
/// A minimal Debian bookworm root built once with debootstrap and cached between test runs
/// (<c>/var/cache/rmote-test/bookworm-&lt;stamp&gt;</c>, the stamp hashing everything that shapes the root).
/// Tests never write to it: each <see cref="CreateSandbox"/> lays a private overlay over it, so every test
/// gets a fresh, disposable Debian where apt, useradd and systemctl may do anything without touching this
/// machine's own /etc.
/// </summary>
public sealed class DebianRoot
{
    public const string Suite = "bookworm";
    public const string Mirror = "http://deb.debian.org/debian";

    /// <summary>
    /// Extra packages: python3 (the remote runtime), sudo (visudo for sudoers checks), systemctl (Debian's
    /// daemonless systemctl replacement: systemd cannot be PID 1 here), passwd (useradd/groupadd), and Debian's real
    /// pacman with gpg and gpg-agent for pacman-key, and makepkg, whose shell helpers Debian's pacman-key sources (the
    /// Pacman tools run for real: <see cref="PacmanTestRepo"/>).
    /// </summary>
    public static readonly IReadOnlyList<string> Packages = ["python3", "sudo", "systemctl", "passwd", "pacman-package-manager", "makepkg", "gpg", "gpg-agent"];

    /// <summary>Downloaded (not installed) at build time so install tests do not depend on the mirror's speed.</summary>
    public const string PreloadedPackage = "hello";

    // Bump when the build steps change: the stamp changes and a new root is built next to the old one.
    const int BuilderVersion = 1;

    DebianRoot(string path) => Path = path;

    /// <summary>The cached root (read-only by convention: use <see cref="CreateSandbox"/>).</summary>
    public string Path { get; }

    /// <summary>Cache folder: <c>RMOTE_TEST_CACHE</c> or <c>/var/cache/rmote-test</c>.</summary>
    public static string CacheDirectory => Environment.GetEnvironmentVariable("RMOTE_TEST_CACHE") is { Length: > 0 } dir ? dir : "/var/cache/rmote-test";

    static string Stamp() =>
        CachedRoot.Stamp([Suite, Mirror, BuilderVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), PreloadedPackage, .. Packages]);

    /// <summary>Returns the cached root, building it first (several minutes, once) when missing.</summary>
    /// <exception cref="InvalidOperationException">debootstrap, unshare or chroot is missing, or the build failed.</exception>
    public static async Task<DebianRoot> EnsureAsync(CancellationToken ct = default) =>
        // Package lists and one pre-downloaded .deb make the root usable for apt tests without a fresh update.
        new(await CachedRoot.EnsureAsync(Suite, Stamp(), Packages, $"apt-get update -q && apt-get install -y -q -d {PreloadedPackage}", ct).ConfigureAwait(false));

    /// <summary>The environment processes in a sandbox see (nothing leaks in from the test process).</summary>
    public const string CleanEnvironment = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8";

    /// <summary>A fresh, private copy-on-write view of the root for one test; <paramref name="environment"/> adds <c>NAME=value</c> entries to the interpreter's clean environment.</summary>
    public DebianSandbox CreateSandbox(params string[] environment) => new(Path, environment);
}

/// <summary>
/// One test's disposable Debian: an overlay (the cached root below, a private temp folder above) mounted in a
/// private mount and pid namespace with its own /proc. <see cref="Command"/> starts an interpreter chrooted into
/// it; when that interpreter exits the namespaces, mounts and any daemons it started vanish with it.
/// </summary>
public sealed class DebianSandbox : IDisposable
{
    readonly TempDir dir = new("rmote-debian-");

    readonly string environment;

    internal DebianSandbox(string lower, IReadOnlyList<string> environment)
    {
        Lower = lower;
        if (environment.Any(e => !e.Contains('=') || e.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '\\')))
            throw new ArgumentException("Sandbox environment entries are NAME=value without whitespace or quotes.", nameof(environment));
        this.environment = string.Join(' ', environment);
        foreach (var sub in new[] { "upper", "work", "merged" }) Directory.CreateDirectory(dir.Combine(sub));
    }

    /// <summary>The read-only cached root below the overlay.</summary>
    public string Lower { get; }

    /// <summary>Everything the test changed (the overlay's upper layer), as seen from the host.</summary>
    public string Upper => dir.Combine("upper");

    /// <summary>
    /// <c>unshare ... chroot merged env -i ... python3</c>; pass it to <c>Protocol.FromCommandAsync</c>, which appends the
    /// interpreter arguments (they arrive as "$@"). sh stays PID 1 of the namespace (no exec) because, unlike
    /// python, it reaps the orphans that daemons leave behind while it waits.
    /// </summary>
    public IReadOnlyList<string> Command =>
    [
        "unshare", "--mount", "--pid", "--fork", "--propagation", "private", "sh", "-c",
        "l=$1 u=$2 w=$3 m=$4; shift 4; " +
        "mount -t overlay overlay -o \"lowerdir=$l,upperdir=$u,workdir=$w\" \"$m\" && mount -t proc proc \"$m/proc\" && " +
        "chroot \"$m\" /usr/bin/env -i " + DebianRoot.CleanEnvironment + " " + environment + " python3 \"$@\"",
        "sh", Lower, Upper, dir.Combine("work"), dir.Combine("merged"),
    ];

    /// <summary>Deletes the upper layer (call after the connection is closed, so the namespace is gone).</summary>
    public void Dispose() => dir.Dispose();
}
