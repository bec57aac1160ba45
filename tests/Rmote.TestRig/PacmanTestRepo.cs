using System.Globalization;

namespace Rmote.TestRig;

/// <summary>
/// Real pacman packages for real installs without an Arch mirror: a tiny split PKGBUILD (<c>rmote-hello</c>, which
/// depends on <c>rmote-dep</c>) built by Debian's <c>makepkg</c> at two versions, each package signed with a
/// throwaway gpg key, and one local file repository per version made by <c>repo-add</c> (database signed too).
/// Built once per test process. <see cref="CopyInto"/> puts the repositories into a root (e.g. a sandbox's upper
/// layer) at <see cref="RootFolder"/>, where <c>Server = file:///srv/rmote-pacman/v1</c> reaches them.
/// </summary>
public sealed class PacmanTestRepo
{
    /// <summary>The repository (and database) name.</summary>
    public const string Name = "rmote-test";

    /// <summary>Where <see cref="CopyInto"/> puts the repositories inside a root.</summary>
    public const string RootFolder = "/srv/rmote-pacman";

    /// <summary>The package versions built, oldest first (each one a repository folder named v1, v2, ...).</summary>
    public static readonly IReadOnlyList<string> Versions = ["1.0-1", "2.0-1"];

    static readonly Lazy<Task<PacmanTestRepo>> Built = new(BuildAsync);

    PacmanTestRepo(string folder, string publicKey, string fingerprint) => (Folder, PublicKey, Fingerprint) = (folder, publicKey, fingerprint);

    /// <summary>Holds v1/ and v2/, each a pacman file repository.</summary>
    public string Folder { get; }

    /// <summary>The signing key, armored: what a user hands to <c>PacmanRepository</c>'s Key.</summary>
    public string PublicKey { get; }

    /// <summary>The signing key's full fingerprint.</summary>
    public string Fingerprint { get; }

    /// <summary>The <c>Server</c> URL of version <paramref name="index"/> (1-based) inside a root that got <see cref="CopyInto"/>.</summary>
    public static string Server(int index) => $"file://{RootFolder}/v{index}";

    /// <summary>The repositories, built on first use (makepkg, gpg, repo-add: tens of seconds on a loaded machine).</summary>
    public static Task<PacmanTestRepo> GetAsync() => Built.Value;

    /// <summary>Copies the repositories to <see cref="RootFolder"/> under <paramref name="root"/>.</summary>
    public void CopyInto(string root)
    {
        var target = Path.Combine(root, RootFolder.TrimStart('/'));
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(Folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to, overwrite: true);
        }
    }

    static async Task<PacmanTestRepo> BuildAsync()
    {
        RequiresTools.Ensure("makepkg", "repo-add", "fakeroot", "bsdtar", "gpg", "runuser");
        var root = Directory.CreateTempSubdirectory("rmote-pacman-").FullName;
        // Created 0700; 'nobody' (makepkg) must reach its build folders below.
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        var gnupg = Path.Combine(root, "gnupg");
        Directory.CreateDirectory(gnupg);
        File.SetUnixFileMode(gnupg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var gpgEnv = new Dictionary<string, string> { ["GNUPGHOME"] = gnupg };
        (await ProcessRunner.RunAsync("gpg", ["--batch", "--passphrase", "", "--quick-gen-key", "Rmote Test Packager <packager@rmote.invalid>", "ed25519", "sign", "never"],
            env: gpgEnv).ConfigureAwait(false)).EnsureSuccess();
        var listing = (await ProcessRunner.RunAsync("gpg", ["--batch", "--with-colons", "--list-keys"], env: gpgEnv).ConfigureAwait(false)).EnsureSuccess();
        var fingerprint = listing.StdOut.Split('\n').First(l => l.StartsWith("fpr:", StringComparison.Ordinal)).Split(':')[9];
        var publicKey = (await ProcessRunner.RunAsync("gpg", ["--batch", "--armor", "--export", fingerprint], env: gpgEnv).ConfigureAwait(false)).EnsureSuccess().StdOut;

        for (var i = 0; i < Versions.Count; i++)
        {
            var (pkgver, pkgrel) = (Versions[i].Split('-')[0], Versions[i].Split('-')[1]);
            var build = Path.Combine(root, $"build{i + 1}");
            Directory.CreateDirectory(build);
            File.WriteAllText(Path.Combine(build, "PKGBUILD"), Pkgbuild(pkgver, pkgrel));
            // makepkg refuses to run as root; 'nobody' owns the build folder.
            (await ProcessRunner.RunAsync("chown", ["-R", "nobody", build]).ConfigureAwait(false)).EnsureSuccess();
            (await ProcessRunner.RunAsync("runuser", ["-u", "nobody", "--", "env", "-i", "PATH=/usr/bin:/bin", $"HOME={build}", "PKGEXT=.pkg.tar.gz",
                "makepkg", "--nodeps", "--noconfirm", "--noprogressbar"], cwd: build, timeout: TimeSpan.FromMinutes(10)).ConfigureAwait(false)).EnsureSuccess();
            var repo = Path.Combine(root, "repos", $"v{i + 1}");
            Directory.CreateDirectory(repo);
            var packages = new List<string>();
            foreach (var package in Directory.GetFiles(build, "*.pkg.tar.gz"))
            {
                var target = Path.Combine(repo, Path.GetFileName(package));
                File.Copy(package, target);
                (await ProcessRunner.RunAsync("gpg", ["--batch", "--detach-sign", "--no-armor", "-u", fingerprint, target], env: gpgEnv).ConfigureAwait(false)).EnsureSuccess();
                packages.Add(target);
            }
            (await ProcessRunner.RunAsync("repo-add", ["--sign", "--key", fingerprint, Path.Combine(repo, Name + ".db.tar.gz"), .. packages],
                env: gpgEnv, timeout: TimeSpan.FromMinutes(5)).ConfigureAwait(false)).EnsureSuccess();
        }
        // gpg left an agent running for this GNUPGHOME; the folder goes when the test process ends.
        await ProcessRunner.RunAsync("gpgconf", ["--kill", "all"], env: gpgEnv).ConfigureAwait(false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TempDir.DeleteDirectory(root);
        return new PacmanTestRepo(Path.Combine(root, "repos"), publicKey, fingerprint);
    }

    static string Pkgbuild(string pkgver, string pkgrel) => string.Format(CultureInfo.InvariantCulture, """
        pkgbase=rmote-hello
        pkgname=(rmote-hello rmote-dep)
        pkgver={0}
        pkgrel={1}
        pkgdesc="Rmote test package"
        arch=(any)
        license=(MIT)

        package_rmote-hello() {{
          depends=(rmote-dep)
          mkdir -p "$pkgdir/usr/share/rmote-hello" "$pkgdir/usr/bin"
          printf '%s\n' "$pkgver-$pkgrel" > "$pkgdir/usr/share/rmote-hello/version"
          printf '#!/bin/sh\necho "rmote-hello %s"\n' "$pkgver-$pkgrel" > "$pkgdir/usr/bin/rmote-hello"
          chmod 755 "$pkgdir/usr/bin/rmote-hello"
        }}

        package_rmote-dep() {{
          mkdir -p "$pkgdir/usr/share/rmote-dep"
          printf 'dep %s\n' "$pkgver-$pkgrel" > "$pkgdir/usr/share/rmote-dep/version"
        }}

        """, pkgver, pkgrel);
}
