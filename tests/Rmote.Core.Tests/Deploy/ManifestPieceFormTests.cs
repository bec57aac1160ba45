using System.Text.Json;
using Rmote.Deploy;
using Rmote.TestRig;
using Rmote.Wire;

namespace Rmote.Core.Tests.Deploy;

/// <summary>
/// The compact form a manifest piece travels in (<c>folders</c>, docs/DEPLOY.md): a group per folder run, its path written
/// once, each file as <c>name, size, mtime_ns, mode</c>, links in groups of their own, a folder entry opening its group.
/// </summary>
public sealed class ManifestPieceFormTests
{
    static readonly DateTime T0 = new(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    static string Write(SourceManifest m)
    {
        using var scope = new EncodingScope();
        return JsonSerializer.Serialize(new ManifestPiece([.. m.Entries]), WireJson.Options);
    }

    [Fact]
    public void Files_travel_grouped_by_folder_with_folder_entries_and_links_in_groups_of_their_own()
    {
        using var dir = new TempDir();
        foreach (var p in new[] { "a.txt", "lib/b.js", "lib/sub/c.js", "lib/z.js", "top.txt" })
        {
            dir.WriteFile(p, "x");
            File.SetLastWriteTimeUtc(Path.Combine(dir, p), T0);
            File.SetUnixFileMode(Path.Combine(dir, p), (UnixFileMode)0b110_100_100);
        }
        File.CreateSymbolicLink(Path.Combine(dir, "lib", "y-link"), "b.js");
        File.SetUnixFileMode(Path.Combine(dir, "lib"), (UnixFileMode)0b111_101_000);
        File.SetUnixFileMode(Path.Combine(dir, "lib", "sub"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var m = SourceManifest.Build(CopySource.FromFolder(dir), new CopyOptions { DestinationFolder = "/srv/app", PreserveSymlinks = true });

        var ns = (T0 - DateTime.UnixEpoch).Ticks * 100;
        var mode = Convert.ToInt32("644", 8);
        var expected = $$"""
            [{"dir":"","files":["a.txt",1,{{ns}},{{mode}}]},
             {"dir":"lib","entry":true,"mode":{{Convert.ToInt32("750", 8)}},"files":["b.js",1,{{ns}},{{mode}}]},
             {"dir":"lib/sub","entry":true,"mode":{{Convert.ToInt32("700", 8)}},"files":["c.js",1,{{ns}},{{mode}}]},
             {"dir":"lib","links":["y-link","b.js"]},
             {"dir":"lib","files":["z.js",1,{{ns}},{{mode}}]},
             {"dir":"","files":["top.txt",1,{{ns}},{{mode}}]}]
            """;
        Assert.Equal(string.Concat(expected.Where(c => !char.IsWhiteSpace(c))), Write(m));
    }

    [Fact]
    public void A_checksum_copy_lists_each_files_sha256_beside_its_group_and_modes_may_be_null()
    {
        using var dir = new TempDir();
        dir.WriteFile("d/one", "1");
        dir.WriteFile("d/two", "2");
        var m = SourceManifest.Build(CopySource.FromFolder(dir), new CopyOptions { DestinationFolder = "/srv/app", PreserveModes = false });
        foreach (var e in m.Entries.Where(e => e.Kind == EntryKind.File)) e.Sha256 = e.Path == "d/one" ? "aa" : "bb";

        using var doc = JsonDocument.Parse(Write(m));
        var groups = doc.RootElement.EnumerateArray().ToList();
        Assert.Single(groups);
        Assert.Equal("d", groups[0].GetProperty("dir").GetString());
        Assert.False(groups[0].TryGetProperty("mode", out _));
        Assert.Equal(["aa", "bb"], groups[0].GetProperty("sha256").EnumerateArray().Select(x => x.GetString()));
        var files = groups[0].GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(8, files.Count);
        Assert.Equal(("one", "two"), (files[0].GetString(), files[4].GetString()));
        Assert.Equal(JsonValueKind.Null, files[3].ValueKind);
    }
}
