using Rmote.TestRig;

namespace Rmote.Deploy.Tests;

/// <summary>Issue 16 case 9: a manifest larger than a frame travels in pieces; delete-extraneous keeps every piece's paths.</summary>
[Collection("ssh")]
public sealed class ManifestPieceTests(SshFleetFixture rig)
{
    static readonly DateTime T0 = new(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    // The controller accepts frames of 128 KiB: the plan's answer for the whole file list (3,000 paths of ~100 bytes)
    // no longer fits one frame, and pieces are 16 KiB, so this small copy plans in dozens of pieces.
    static Task<Protocol> ConnectSmallFramesAsync(SshHost h) => Protocol.FromSshAsync(h.HostName, new SshOptions
    {
        Name = h.Name, User = h.User, Port = h.Port, Identity = h.IdentityFile, KnownHostsFile = h.KnownHostsFile,
        MaxFrameSize = 128 * 1024,
    });

    [Fact]
    public async Task A_manifest_of_many_pieces_copies_and_deletes_only_what_no_piece_names()
    {
        var h = rig.Hosts[0];
        using var src = new TempDir("rmote-src-");
        var paths = new List<string>();
        for (var d = 0; d < 30; d++)
            for (var f = 0; f < 100; f++)
                paths.Add($"folder-{d:D2}-{new string('d', 30)}/file-{f:D3}-{Guid.NewGuid():N}.txt");
        foreach (var p in paths) Rig.Write(src, p, p, T0);
        var (remote, local) = Rig.Dest(h, "pieces");
        // on the host already: a file of the first folder, one of the last (same content), and extraneous ones beside them
        Rig.Write(local, paths[0], paths[0], T0);
        Rig.Write(local, paths[^1], paths[^1], T0);
        Rig.Write(local, "folder-00-" + new string('d', 30) + "/stale.txt", "old", T0);
        Rig.Write(local, "folder-29-" + new string('d', 30) + "/stale.txt", "old", T0);
        Rig.Write(local, "zz-gone/deep/stale.txt", "old", T0);

        var options = new CopyOptions { DestinationFolder = remote, DeleteExtraneous = true };
        await using var p1 = await ConnectSmallFramesAsync(h);
        var m = SourceManifest.Build(CopySource.FromFolder(src), options);
        var pieces = ManifestPieces.Split(m, options, Math.Min(ManifestPieces.PieceBytes, p1.MaxFrameSize / 8), delta: true).Count();
        Assert.True(pieces >= 20, $"only {pieces} pieces");

        var r = await Copier.CopyAsync(p1, CopySource.FromFolder(src), options);
        Assert.Equal(paths.Count - 2, r.Copied);
        Assert.Equal(2, r.Skipped);
        Assert.Equal(
            ["folder-00-" + new string('d', 30) + "/stale.txt", "folder-29-" + new string('d', 30) + "/stale.txt", "zz-gone", "zz-gone/deep", "zz-gone/deep/stale.txt"],
            r.DeletedFiles.Order(StringComparer.Ordinal));
        var onHost = Directory.GetFiles(local, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(local, f)).Order(StringComparer.Ordinal);
        Assert.Equal(paths.Order(StringComparer.Ordinal), onHost);
        Assert.All(paths, p => Assert.Equal(p, File.ReadAllText(Path.Combine(local, p))));
        Assert.Empty(Rig.Temps(local));

        // again: nothing sent, nothing deleted, though every piece's plan saw only its own paths
        var again = await Copier.CopyAsync(p1, CopySource.FromFolder(src), options);
        Assert.Equal((0, 0, paths.Count), (again.Copied, again.Deleted, again.Skipped));
        Assert.Equal(paths.Count, Directory.GetFiles(local, "*", SearchOption.AllDirectories).Length);
    }
}
