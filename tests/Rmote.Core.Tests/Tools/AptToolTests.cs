using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Core.Tests.Tools;

/// <summary>Apt and AptRepository for real, inside a disposable Debian bookworm root (real dpkg, apt-get, Debian mirror).</summary>
[Collection("debian-root")]
public sealed class AptToolTests(DebianRootFixture rig)
{
    [Fact]
    public async Task Package_installs_and_removes_a_real_package_idempotently()
    {
        await using var t = await RootTarget.OpenAsync(rig);
        var p = t.Proto;
        var hello = new AptPackageOptions(DebianRoot.PreloadedPackage);

        var installed = await p.CallAsync(Apt.Package, hello);
        Assert.True(installed.Changed);
        Assert.StartsWith("2.10", installed.Installed["hello"]);
        Assert.Equal("Hello, world!\n", (await p.CallAsync(Exec.Command, new ExecOptions("hello"))).Stdout);
        Assert.False((await p.CallAsync(Apt.Package, hello)).Changed);
        // Already at the candidate version: latest changes nothing (decided by apt-get's own dry run).
        Assert.False((await p.CallAsync(Apt.Package, hello with { State = PackageState.Latest })).Changed);

        var removed = await p.CallAsync(Apt.Converge, new AptConvergeOptions { Absent = ["hello"], Purge = true });
        Assert.True(removed.Changed);
        Assert.Empty(removed.Installed);
        Assert.False((await p.CallAsync(Apt.Package, hello with { State = PackageState.Absent })).Changed);
        await Assert.ThrowsAsync<RemoteFileNotFoundException>(() => p.CallAsync(Exec.Command, new ExecOptions("hello")));

        await Assert.ThrowsAsync<RemoteArgumentException>(() => p.CallAsync(Apt.Package, new AptPackageOptions("Bad Name!")));
        var missing = await Assert.ThrowsAsync<RemoteCommandException>(() => p.CallAsync(Apt.Package, new AptPackageOptions("rmote-no-such-package")));
        Assert.Contains("Unable to locate package", missing.Stderr);
        // The cached root itself was never touched.
        Assert.False(File.Exists(Path.Combine(t.Lower, "usr/bin/hello")));
    }

    [Fact]
    public async Task Source_writes_a_DEB822_file_and_key_that_apt_accepts()
    {
        await using var t = await RootTarget.OpenAsync(rig);
        var p = t.Proto;
        var key = await p.CallAsync(FileSystem.Read, "/usr/share/keyrings/debian-archive-keyring.gpg");
        var updates = new AptSourceOptions("rmote-updates")
        {
            Uris = [DebianRoot.Mirror], Suites = ["bookworm-updates"], Components = ["main"], Key = key,
        };

        var written = await p.CallAsync(AptRepository.Source, updates);
        Assert.True(written.Changed);
        Assert.Equal("/etc/apt/sources.list.d/rmote-updates.sources", written.Path);
        Assert.Equal("/etc/apt/keyrings/rmote-updates.gpg", written.KeyPath);
        Assert.False((await p.CallAsync(AptRepository.Source, updates)).Changed);
        Assert.Contains("Signed-By: /etc/apt/keyrings/rmote-updates.gpg", await p.CallAsync(FileSystem.ReadStr, written.Path));

        // apt fetches and verifies the new source only, against the key we installed.
        var update = await p.CallAsync(Exec.Command, new ExecOptions("apt-get", "update", "-o", "Dir::Etc::SourceList=/dev/null",
            "-o", "Dir::Etc::SourceParts=/etc/apt/sources.list.d") { Timeout = TimeSpan.FromSeconds(120) });
        Assert.Contains("bookworm-updates InRelease", update.Stdout);
        var policy = await p.CallAsync(Exec.Command, new ExecOptions("apt-cache", "policy"));
        Assert.Contains("bookworm-updates/main", policy.Stdout);

        // A keyring without the archive's keys is refused by apt: Signed-By really is what apt checks.
        await p.CallAsync(AptRepository.Source, updates with { Key = null, SignedBy = "/usr/share/keyrings/debian-archive-removed-keys.gpg" });
        var refused = await p.CallAsync(Exec.Command, new ExecOptions("apt-get", "update", "-o", "Dir::Etc::SourceList=/dev/null",
            "-o", "Dir::Etc::SourceParts=/etc/apt/sources.list.d") { Check = false, MergeStderr = true, Timeout = TimeSpan.FromSeconds(120) });
        Assert.Contains("NO_PUBKEY", refused.Stdout);

        var gone = await p.CallAsync(AptRepository.Source, new AptSourceOptions("rmote-updates") { State = Presence.Absent });
        Assert.True(gone.Changed);
        Assert.False(await p.CallAsync(FileSystem.Exists, written.Path));
        Assert.False(await p.CallAsync(FileSystem.Exists, written.KeyPath!));
    }
}
