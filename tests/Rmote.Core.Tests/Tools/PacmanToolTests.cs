using System.Text;
using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Core.Tests.Tools;

/// <summary>
/// Pacman and PacmanRepository for real: Debian's pacman 6 inside a disposable Debian root, installing packages that
/// makepkg built from a PKGBUILD into signed local file repositories (no Arch mirror: <see cref="PacmanTestRepo"/>).
/// </summary>
[Collection("debian-root")]
public sealed class PacmanToolTests(DebianRootFixture rig)
{
    static readonly TimeSpan Slow = TimeSpan.FromMinutes(3);

    static async Task<(RootTarget Target, PacmanTestRepo Repo)> OpenAsync(DebianRootFixture rig)
    {
        var repo = await PacmanTestRepo.GetAsync();
        var t = await RootTarget.OpenAsync(rig, upper =>
        {
            repo.CopyInto(upper);
            // A booted host has /etc/mtab (pacman's CheckSpace reads it); a debootstrap root does not.
            Directory.CreateDirectory(Path.Combine(upper, "etc"));
            File.CreateSymbolicLink(Path.Combine(upper, "etc", "mtab"), "../proc/self/mounts");
        });
        // What an Arch install does once: pacman's own keyring, with a local master key.
        await t.Proto.CallAsync(Exec.Command, new ExecOptions("pacman-key", "--init") { Timeout = Slow });
        return (t, repo);
    }

    static string InRoot(RootTarget t, string path) => Path.Combine(t.Upper, path.TrimStart('/'));

    [Fact]
    public async Task Packages_install_upgrade_and_remove_for_real_from_a_signed_local_repository()
    {
        var (t, repo) = await OpenAsync(rig);
        await using var _ = t;
        var p = t.Proto;
        var v1 = new PacmanRepositoryOptions(PacmanTestRepo.Name)
        {
            Servers = [PacmanTestRepo.Server(1)], SigLevel = "Required", Key = Encoding.ASCII.GetBytes(repo.PublicKey),
        };

        var added = await p.CallAsync(PacmanRepository.Repository, v1);
        Assert.True(added.Changed);
        Assert.True(added.KeyChanged);
        Assert.Equal(repo.Fingerprint, added.Fingerprint);
        Assert.False((await p.CallAsync(PacmanRepository.Repository, v1)).Changed);
        var keys = await p.CallAsync(Exec.Command, new ExecOptions("pacman-key", "--list-keys", repo.Fingerprint) { Timeout = Slow });
        Assert.Contains("Rmote Test Packager", keys.Stdout);

        // present: installs with its dependency, from the signed database and packages.
        var hello = new PacmanPackageOptions("rmote-hello") { UpdateCache = true };
        var installed = await p.CallAsync(Pacman.Package, hello);
        Assert.True(installed.Changed);
        Assert.Equal("1.0-1", installed.Installed["rmote-hello"]);
        Assert.Equal("1.0-1\n", File.ReadAllText(InRoot(t, "/usr/share/rmote-hello/version")));
        Assert.True(File.Exists(InRoot(t, "/usr/share/rmote-dep/version")));
        Assert.False((await p.CallAsync(Pacman.Package, hello)).Changed);
        Assert.False((await p.CallAsync(Pacman.Package, hello with { State = PackageState.Latest })).Changed);

        // A newer repository: the server moves, 'latest' upgrades, 'present' would not have.
        Assert.True((await p.CallAsync(PacmanRepository.Repository, v1 with { Servers = [PacmanTestRepo.Server(2)] })).Changed);
        Assert.True(await p.CallAsync(Pacman.Update));
        Assert.False((await p.CallAsync(Pacman.Package, hello with { UpdateCache = false })).Changed);
        var upgraded = await p.CallAsync(Pacman.Package, hello with { State = PackageState.Latest });
        Assert.True(upgraded.Changed);
        Assert.Equal("2.0-1", upgraded.Installed["rmote-hello"]);
        Assert.Equal("rmote-hello 2.0-1\n", (await p.CallAsync(Exec.Command, new ExecOptions("rmote-hello"))).Stdout);
        // The dependency is still 1.0-1: a system upgrade (-Su) takes it to 2.0-1, and then has nothing left to do.
        Assert.Equal("dep 1.0-1\n", File.ReadAllText(InRoot(t, "/usr/share/rmote-dep/version")));
        Assert.True(await p.CallAsync(Pacman.UpdateUpgrade, true));
        Assert.Equal("dep 2.0-1\n", File.ReadAllText(InRoot(t, "/usr/share/rmote-dep/version")));
        Assert.False(await p.CallAsync(Pacman.UpdateUpgrade, true));

        // absent with its no longer needed dependency (-Rs), then converge both ways in one call.
        var removed = await p.CallAsync(Pacman.Package, hello with { State = PackageState.Absent, RemoveDependencies = true });
        Assert.True(removed.Changed);
        Assert.Empty(removed.Installed);
        Assert.False(File.Exists(InRoot(t, "/usr/share/rmote-hello/version")) || File.Exists(InRoot(t, "/usr/share/rmote-dep/version")));
        var both = await p.CallAsync(Pacman.Converge, new PacmanConvergeOptions { Present = ["rmote-dep"], Latest = ["rmote-hello"] });
        Assert.True(both.Changed);
        Assert.Equal(new Dictionary<string, string> { ["rmote-dep"] = "2.0-1", ["rmote-hello"] = "2.0-1" }, both.Installed);
        var swapped = await p.CallAsync(Pacman.Converge, new PacmanConvergeOptions { Present = ["rmote-dep"], Absent = ["rmote-hello"] });
        Assert.True(swapped.Changed);
        Assert.False(File.Exists(InRoot(t, "/usr/share/rmote-hello/version")));
        Assert.True(File.Exists(InRoot(t, "/usr/share/rmote-dep/version")));
        await Assert.ThrowsAsync<RemoteArgumentException>(() => p.CallAsync(Pacman.Converge, new PacmanConvergeOptions { Present = ["a"], Absent = ["a"] }));
        // The cached root itself was never touched.
        Assert.False(Directory.Exists(Path.Combine(t.Lower, "usr/share/rmote-dep")));
    }

    [Fact]
    public async Task Packages_signed_by_a_key_pacman_does_not_trust_are_refused_and_nothing_is_installed()
    {
        var (t, repo) = await OpenAsync(rig);
        await using var _ = t;
        var p = t.Proto;
        // The section is added without its key: pacman must refuse the signed database and packages.
        await p.CallAsync(PacmanRepository.Repository, new PacmanRepositoryOptions(PacmanTestRepo.Name) { Servers = [PacmanTestRepo.Server(1)], SigLevel = "Required" });
        var refused = await Assert.ThrowsAsync<RemoteCommandException>(() => p.CallAsync(Pacman.Package, new PacmanPackageOptions("rmote-hello") { UpdateCache = true }));
        Assert.Contains(repo.Fingerprint, refused.Stderr + refused.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(InRoot(t, "/usr/share/rmote-hello/version")));
    }

    [Fact]
    public async Task A_name_that_is_not_a_package_name_is_refused_before_pacman_runs()
    {
        var (t, _) = await OpenAsync(rig);
        await using var __ = t;
        var e = await Assert.ThrowsAsync<RemoteArgumentException>(() => t.Proto.CallAsync(Pacman.Package, new PacmanPackageOptions("rm -rf /")));
        Assert.Contains("invalid package name", e.Message);
    }

    [Fact]
    public async Task Repository_sections_are_edited_in_a_pacman_conf_and_a_host_without_pacman_is_named()
    {
        // A host whose PATH has no pacman (this machine has Debian's pacman for the tests above).
        await using var proto = await Protocol.FromCommandAsync(["env", "PATH=/nonexistent", "/usr/bin/python3"]);
        using var dir = new TempDir();
        var conf = dir.WriteFile("pacman.conf", "[options]\nHoldPkg = pacman glibc\n\n[core]\nInclude = /etc/pacman.d/mirrorlist\n\n[extra]\nInclude = /etc/pacman.d/mirrorlist\n");
        var repo = new PacmanRepositoryOptions("rmote") { Servers = ["https://repo.example.com/$arch"], SigLevel = "Optional TrustAll", Before = "extra", Conf = conf };

        var added = await proto.CallAsync(PacmanRepository.Repository, repo);
        Assert.True(added.Changed);
        Assert.False(added.KeyChanged);
        var text = File.ReadAllText(conf);
        Assert.True(text.IndexOf("[rmote]", StringComparison.Ordinal) < text.IndexOf("[extra]", StringComparison.Ordinal), text);
        Assert.Contains("Server = https://repo.example.com/$arch", text);
        Assert.False((await proto.CallAsync(PacmanRepository.Repository, repo)).Changed);
        Assert.True((await proto.CallAsync(PacmanRepository.Repository, repo with { State = Presence.Absent })).Changed);
        Assert.DoesNotContain("[rmote]", File.ReadAllText(conf));

        var e = await Assert.ThrowsAsync<RemoteFileNotFoundException>(() => proto.CallAsync(Pacman.Package, new PacmanPackageOptions("htop")));
        Assert.Contains("pacman not found", e.Message);
    }
}
