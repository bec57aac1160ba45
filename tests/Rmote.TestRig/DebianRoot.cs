using System.Security.Cryptography;
using System.Text;

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
    const string CompleteMarker = ".rmote-root-complete";
    const int BuildAttempts = 3;
    static readonly SemaphoreSlim BuildGate = new(1, 1);

    DebianRoot(string path) => Path = path;

    /// <summary>The cached root (read-only by convention: use <see cref="CreateSandbox"/>).</summary>
    public string Path { get; }

    /// <summary>Cache folder: <c>RMOTE_TEST_CACHE</c> or <c>/var/cache/rmote-test</c>.</summary>
    public static string CacheDirectory => Environment.GetEnvironmentVariable("RMOTE_TEST_CACHE") is { Length: > 0 } dir ? dir : "/var/cache/rmote-test";

    static string Stamp()
    {
        var text = string.Join('\n', [Suite, Mirror, BuilderVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), PreloadedPackage, .. Packages]);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
    }

    /// <summary>Returns the cached root, building it first (several minutes, once) when missing.</summary>
    /// <exception cref="InvalidOperationException">debootstrap, unshare or chroot is missing, or the build failed.</exception>
    public static async Task<DebianRoot> EnsureAsync(CancellationToken ct = default)
    {
        var path = System.IO.Path.Combine(CacheDirectory, $"{Suite}-{Stamp()}");
        if (File.Exists(System.IO.Path.Combine(path, CompleteMarker))) return new DebianRoot(path);
        RequiresTools.Ensure("debootstrap", "unshare", "chroot", "mount");
        await BuildGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(CacheDirectory);
            // A file lock keeps two test processes (parallel CI jobs, other assemblies) from building at once.
            using var fileLock = await LockAsync(System.IO.Path.Combine(CacheDirectory, ".build.lock"), ct).ConfigureAwait(false);
            if (!File.Exists(System.IO.Path.Combine(path, CompleteMarker)))
                await BuildAsync(path, ct).ConfigureAwait(false);
            return new DebianRoot(path);
        }
        finally
        {
            BuildGate.Release();
        }
    }

    static async Task<FileStream> LockAsync(string file, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(30);
        while (true)
        {
            try
            {
                return new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000, ct).ConfigureAwait(false);
            }
        }
    }

    static async Task BuildAsync(string path, CancellationToken ct)
    {
        // Build beside the final path and rename at the end: an interrupted build never looks complete.
        var work = $"{path}.building";
        if (Directory.Exists(work)) await RemoveTreeAsync(work, ct).ConfigureAwait(false);
        var timeout = TimeSpan.FromMinutes(30);
        // The mirror is the one part outside this machine: a dropped download fails debootstrap as a whole (seen
        // once in CI), so a failed attempt is retried from scratch before the build is declared failed.
        for (var attempt = 1; ; attempt++)
        {
            var result = await ProcessRunner.RunAsync("debootstrap",
                ["--variant=minbase", $"--include={string.Join(',', Packages)}", Suite, work, Mirror],
                timeout: timeout, ct: ct).ConfigureAwait(false);
            if (result.ExitCode == 0 || attempt == BuildAttempts)
            {
                result.EnsureSuccess();
                break;
            }
            Console.Error.WriteLine($"DebianRoot: {result} (attempt {attempt} of {BuildAttempts}); retrying\n{ProcessResult.Tail(result.StdErr, 2000)}");
            await RemoveTreeAsync(work, ct).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(5 * attempt), ct).ConfigureAwait(false);
        }
        // Package lists and one pre-downloaded .deb make the root usable for apt tests without a fresh update.
        (await RunInRootAsync(work, $"apt-get update -q && apt-get install -y -q -d {PreloadedPackage}", timeout, ct).ConfigureAwait(false)).EnsureSuccess();
        File.WriteAllText(System.IO.Path.Combine(work, CompleteMarker), Stamp() + "\n");
        Directory.Move(work, path);
    }

    /// <summary>Runs a shell script inside <paramref name="root"/> (chroot, private mount + pid namespace with /proc).</summary>
    static Task<ProcessResult> RunInRootAsync(string root, string script, TimeSpan timeout, CancellationToken ct) =>
        ProcessRunner.RunAsync("unshare", ["--mount", "--pid", "--fork", "--propagation", "private", "sh", "-c",
            "mount -t proc proc \"$1/proc\" && exec chroot \"$1\" /usr/bin/env -i " + CleanEnvironment + " sh -c \"$2\"", "sh", root, script],
            timeout: timeout, ct: ct);

    static Task RemoveTreeAsync(string dir, CancellationToken ct) => ProcessRunner.RunAsync("rm", ["-rf", "--one-file-system", dir], ct: ct);

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
