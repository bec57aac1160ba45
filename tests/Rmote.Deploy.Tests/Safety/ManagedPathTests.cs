using Rmote.TestRig;
using Xunit.Abstractions;

namespace Rmote.Deploy.Tests;

/// <summary>
/// Issue 16 case 2: <c>releases/</c>, a release, <c>current</c>'s target and a deployed (shared) folder that are symlinks
/// to outside the base are refused with an error naming the path (a deployed folder that is a symlink is replaced as an
/// entry); the outside folder stays as it was.
/// </summary>
[Collection("ssh")]
public sealed class ManagedPathTests(SshFleetFixture rig, ITestOutputHelper output)
{
    /// <summary>A base with one real release deployed, and an outside folder holding old-looking releases.</summary>
    sealed class Scene : IDisposable
    {
        public required string Remote, Local, OutsideRemote, OutsideLocal;
        public required TempDir Source;
        public required SortedDictionary<string, string> Before;
        public Releases Releases => new(Remote) { Keep = 1 };
        public Copier Copier => new(CopySource.FromFolder(Source), new CopyOptions { DestinationFolder = "/unused" });
        public void Dispose() => Source.Dispose();
    }

    Scene Make(SshHost h, string name)
    {
        var (remote, local) = Rig.Dest(h, name);
        var outside = Path.Combine(local + "-outside");
        foreach (var id in new[] { "20200101000000", "20200102000000", "20200103000000" })
            for (var i = 0; i < 5; i++) Rig.Write(outside, $"{id}/f{i}.txt", $"outside {id} {i}");
        Rig.Write(outside, "keep.txt", "outside");
        var src = new TempDir("rmote-src-");
        for (var i = 0; i < 5; i++) Rig.Write(src, $"f{i}.txt", $"new {i}");
        return new Scene { Remote = remote, Local = local, OutsideRemote = remote + "-outside", OutsideLocal = outside, Source = src, Before = FolderHash.Of(outside) };
    }

    async Task<Exception> RefusedAsync(Scene s, Func<Task> deploy, params string[] named) =>
        await OutsideUnchangedAsync(s, deploy, mustRefuse: true, named) ?? throw new InvalidOperationException();

    /// <summary>Runs <paramref name="deploy"/>; the outside folder must be unchanged, and an error must name the host and a path.</summary>
    async Task<Exception?> OutsideUnchangedAsync(Scene s, Func<Task> deploy, bool mustRefuse, params string[] named)
    {
        Exception? e = null;
        try
        {
            await deploy();
        }
        catch (Exception caught)
        {
            e = caught;
        }
        var changed = FolderHash.Diff(s.Before, FolderHash.Of(s.OutsideLocal));
        output.WriteLine((e == null ? "no error" : e.GetType().Name + ": " + e.Message) + $"; outside: {changed.Length} changes: " + string.Join(", ", changed.Take(8)));
        Assert.Empty(changed);
        if (!mustRefuse && e == null) return null;
        Assert.NotNull(e);
        Assert.Contains(named, n => e.Message.Contains(n, StringComparison.Ordinal));
        Assert.Contains("[" + rig.Hosts[1].Name + "]", e.Message);
        return e;
    }

    [Fact]
    public async Task Releases_folder_symlinked_outside_is_refused_and_prune_deletes_nothing_there()
    {
        var h = rig.Hosts[1];
        using var s = Make(h, "mrel");
        Directory.CreateDirectory(s.Local);
        File.CreateSymbolicLink(Path.Combine(s.Local, "releases"), s.OutsideRemote);
        await using var p = await Rig.ConnectAsync(h);
        await RefusedAsync(s, () => s.Releases.DeployAsync(p, s.Copier), s.Remote + "/releases");
        await RefusedAsync(s, () => s.Releases.PruneAsync(p, 1), s.Remote + "/releases");
    }

    [Fact]
    public async Task Current_pointing_outside_the_base_is_never_followed()
    {
        var h = rig.Hosts[1];
        using var s = Make(h, "mcur");
        Directory.CreateDirectory(Path.Combine(s.Local, "releases"));
        File.CreateSymbolicLink(Path.Combine(s.Local, "current"), s.OutsideRemote + "/20200103000000");
        await using var p = await Rig.ConnectAsync(h);
        // Not a release of this base: refusing it by name, or replacing the link without seeding from it, are both safe.
        if (await OutsideUnchangedAsync(s, () => s.Releases.DeployAsync(p, s.Copier, "20210101000000"), mustRefuse: false, s.Remote + "/current", s.OutsideRemote) == null)
            Assert.Equal("releases/20210101000000", new FileInfo(Path.Combine(s.Local, "current")).LinkTarget);
    }

    [Fact]
    public async Task Current_through_a_release_symlinked_outside_is_refused()
    {
        var h = rig.Hosts[1];
        using var s = Make(h, "mcrl");
        Directory.CreateDirectory(Path.Combine(s.Local, "releases"));
        File.CreateSymbolicLink(Path.Combine(s.Local, "releases", "20200103000000"), s.OutsideRemote + "/20200103000000");
        File.CreateSymbolicLink(Path.Combine(s.Local, "current"), "releases/20200103000000");
        await using var p = await Rig.ConnectAsync(h);
        // seeding the new release from current would read (and prune would delete) the outside folder
        await RefusedAsync(s, () => s.Releases.DeployAsync(p, s.Copier, "20210101000000"), s.Remote + "/releases/20200103000000");
        Assert.Equal("releases/20200103000000", new FileInfo(Path.Combine(s.Local, "current")).LinkTarget);
    }

    [Fact]
    public async Task A_release_symlinked_outside_is_never_pruned_through()
    {
        var h = rig.Hosts[1];
        using var s = Make(h, "mone");
        await using var p = await Rig.ConnectAsync(h);
        await s.Releases.DeployAsync(p, s.Copier, "20210101000000");
        File.CreateSymbolicLink(Path.Combine(s.Local, "releases", "20200101000000"), s.OutsideRemote + "/20200101000000");
        // Keep = 1: prune would delete the older "release", which is really the outside folder. Skipping the link (it is
        // no release) or refusing it by name are both fine; deleting through it is not.
        await OutsideUnchangedAsync(s, () => s.Releases.DeployAsync(p, s.Copier, "20210102000000"), mustRefuse: false, s.Remote + "/releases/20200101000000");
        await OutsideUnchangedAsync(s, () => s.Releases.PruneAsync(p, 1), mustRefuse: false, s.Remote + "/releases/20200101000000");
    }

    [Fact]
    public async Task A_deployed_folder_symlinked_outside_is_replaced_never_followed_in_a_plain_copy()
    {
        var h = rig.Hosts[1];
        using var s = Make(h, "mshr");
        Rig.Write(s.Source, "shared/settings.json", "{}");
        Directory.CreateDirectory(s.Local);
        File.CreateSymbolicLink(Path.Combine(s.Local, "shared"), s.OutsideRemote);
        await using var p = await Rig.ConnectAsync(h);
        // a symlink where the source has a folder is an entry to replace, never a path to follow
        await Copier.CopyAsync(p, CopySource.FromFolder(s.Source), new CopyOptions { DestinationFolder = s.Remote, DeleteExtraneous = true });
        Assert.Empty(FolderHash.Diff(s.Before, FolderHash.Of(s.OutsideLocal)));
        Assert.Null(new FileInfo(Path.Combine(s.Local, "shared")).LinkTarget);
        Assert.Equal("{}", File.ReadAllText(Path.Combine(s.Local, "shared/settings.json")));
    }
}
