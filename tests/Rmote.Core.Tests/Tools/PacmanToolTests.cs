using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Core.Tests.Tools;

/// <summary>
/// Smoke tests of the Pacman handles on this (Debian) machine: there is no pacman here, so package changes are
/// covered by the Python suite's captured-output tests; what runs for real is the pacman.conf editing through the
/// C# handle and the error a non-Arch host gives.
/// </summary>
public sealed class PacmanToolTests
{
    [Fact]
    public async Task Repository_sections_are_edited_in_a_real_pacman_conf_and_pacman_is_reported_missing()
    {
        await using var proto = await Protocol.FromSubprocessAsync();
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
