using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Core.Tests.Tools;

/// <summary>FileSystem over a real local child and a real sshd host.</summary>
[Collection("ssh")]
public sealed class FileSystemToolTests(SshFleetFixture rig)
{
    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task Write_read_glob_stat_sha256_are_idempotent_and_typed(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var p = t.Proto;

        var first = await p.CallAsync(FileSystem.WriteStr, t.Path("a.conf"), "alpha\n");
        Assert.True(first.Changed);
        Assert.False((await p.CallAsync(FileSystem.WriteStr, t.Path("a.conf"), "alpha\n")).Changed);
        Assert.Equal("alpha\n", File.ReadAllText(t.LocalPath("a.conf")));

        var bytes = new byte[] { 0, 1, 2, 255, 10 };
        var w = await p.CallAsync(FileSystem.WriteWith, new WriteOptions(t.Path("b.conf"), bytes) { Mode = "0600" });
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), w.Sha256);
        Assert.Equal(bytes, await p.CallAsync(FileSystem.Read, t.Path("b.conf")));
        Assert.Equal(w.Sha256, await p.CallAsync(FileSystem.Sha256, t.Path("b.conf")));
        // Same content, other mode: only the metadata is fixed, still reported as a change.
        Assert.True((await p.CallAsync(FileSystem.WriteWith, new WriteOptions(t.Path("b.conf"), bytes) { Mode = "0640" })).Changed);

        string host = await p.CallAsync(FileSystem.ReadStr, t.Path("a.conf"));
        Assert.Equal("alpha\n", host);
        await p.CallAsync(FileSystem.WriteStr, t.Path(".hidden.conf"), "x");
        // rmote's rules: '*' matches dot files (rmote returned .hidden.txt); sorted, where rmote's order is the directory's.
        string[] confs = await p.CallAsync(FileSystem.Glob, t.Dir + "/", "*.conf");
        Assert.Equal([t.Path(".hidden.conf"), t.Path("a.conf"), t.Path("b.conf")], confs);
        Assert.Equal([t.Path("a.conf"), t.Path("b.conf")], await p.CallAsync(FileSystem.GlobRecursive, t.Dir, "*.conf", false));

        var st = await p.CallAsync(FileSystem.Stat, t.Path("b.conf"));
        Assert.True(st.Exists);
        Assert.Equal(FileKind.File, st.Type);
        Assert.Equal("0640", st.OctalMode);
        Assert.Equal(5, st.Size);
        Assert.Equal("root", st.Owner);
        Assert.False((await p.CallAsync(FileSystem.Stat, t.Path("nope"))).Exists);
        Assert.True(await p.CallAsync(FileSystem.Exists, t.Path("a.conf")));

        var e = await Assert.ThrowsAsync<RemoteFileNotFoundException>(() => p.CallAsync(FileSystem.ReadStr, t.Path("missing")));
        Assert.IsAssignableFrom<FileNotFoundException>(e);
        await Assert.ThrowsAsync<RemoteArgumentException>(() => p.CallAsync(FileSystem.ReadStr, t.Path("b.conf")));  // not UTF-8
    }

    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task LineInFile_replaces_inserts_removes_and_reports_a_diff(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var p = t.Proto;
        var path = t.Path("sshd_config");

        await Assert.ThrowsAsync<RemoteFileNotFoundException>(() => p.CallAsync(FileSystem.LineInFile, new LineInFileOptions(path, "Port 22")));
        var created = await p.CallAsync(FileSystem.LineInFile, new LineInFileOptions(path, "Port 22") { Create = true, Mode = "0644" });
        Assert.True(created.Changed);
        await p.CallAsync(FileSystem.LineInFile, new LineInFileOptions(path, "PermitRootLogin yes"));

        var replaced = await p.CallAsync(FileSystem.LineInFile, new LineInFileOptions(path, "PermitRootLogin no") { Regexp = "^#?PermitRootLogin" });
        Assert.True(replaced.Changed);
        Assert.Contains("-PermitRootLogin yes", replaced.Diff);
        Assert.Contains("+PermitRootLogin no", replaced.Diff);
        var again = await p.CallAsync(FileSystem.LineInFile, new LineInFileOptions(path, "PermitRootLogin no") { Regexp = "^#?PermitRootLogin" });
        Assert.False(again.Changed);
        Assert.Equal("", again.Diff);

        await p.CallAsync(FileSystem.LineInFile, new LineInFileOptions(path, "# managed") { InsertBefore = "BOF" });
        Assert.Equal("# managed\nPort 22\nPermitRootLogin no\n", File.ReadAllText(t.LocalPath("sshd_config")));

        var removed = await p.CallAsync(FileSystem.LineInFile, new LineInFileOptions(path, "") { Regexp = "^Port ", State = Presence.Absent });
        Assert.True(removed.Changed);
        Assert.Equal("# managed\nPermitRootLogin no\n", await p.CallAsync(FileSystem.ReadStr, path));
    }

    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task LineInFile_follows_rmote_first_match_strip_and_optional_newline(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var p = t.Proto;
        var path = t.Path("list");
        await p.CallAsync(FileSystem.WriteStr, path, "foo\nfoo\nbar\n");

        await p.CallAsync(FileSystem.LineInFile, new LineInFileOptions(path, "baz") { Regexp = "foo" });
        Assert.Equal("baz\nfoo\nbar\n", File.ReadAllText(t.LocalPath("list")));
        await p.CallAsync(FileSystem.LineInFile, new LineInFileOptions(path, "qux") { Regexp = "^(baz|foo)$", Match = LineMatch.All });
        Assert.Equal("qux\nqux\nbar\n", File.ReadAllText(t.LocalPath("list")));

        // Equal but for whitespace counts as present (rmote's strip, on by default); Strip = false appends.
        await p.CallAsync(FileSystem.WriteStr, path, "  Port 22\t\n");
        Assert.False((await p.CallAsync(FileSystem.LineInFile, new LineInFileOptions(path, "Port 22"))).Changed);
        Assert.True((await p.CallAsync(FileSystem.LineInFile, new LineInFileOptions(path, "Port 22") { Strip = false })).Changed);
        Assert.Equal("  Port 22\t\nPort 22\n", File.ReadAllText(t.LocalPath("list")));

        // The port terminates what it inserts; Newline = false leaves the end as rmote does.
        await p.CallAsync(FileSystem.LineInFile, new LineInFileOptions(t.Path("created"), "x") { Create = true, Newline = false });
        Assert.Equal("x", File.ReadAllText(t.LocalPath("created")));
        await p.CallAsync(FileSystem.LineInFile, new LineInFileOptions(t.Path("created"), "y") { Newline = false });
        Assert.Equal("x\ny", File.ReadAllText(t.LocalPath("created")));
        await p.CallAsync(FileSystem.LineInFile, new LineInFileOptions(t.Path("created"), "z"));
        Assert.Equal("x\ny\nz\n", File.ReadAllText(t.LocalPath("created")));
    }

    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task Mkdir_chmod_chown_symlink_remove(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var p = t.Proto;
        var tree = t.Path("releases/1/bin");

        Assert.True(await p.CallAsync(FileSystem.MkdirWith, new MkdirOptions(tree) { Mode = "0750" }));
        Assert.False(await p.CallAsync(FileSystem.Mkdir, tree));
        Assert.Equal("0750", (await p.CallAsync(FileSystem.Stat, tree)).OctalMode);
        await p.CallAsync(FileSystem.WriteStr, tree + "/app", "#!/bin/sh\n");
        Assert.True(await p.CallAsync(FileSystem.ChmodWith, new ChmodOptions(t.Path("releases"), "0755") { Recursive = true }));
        Assert.False(await p.CallAsync(FileSystem.Chmod, tree + "/app", "0755"));
        Assert.False(await p.CallAsync(FileSystem.Chown, new ChownOptions(tree) { Owner = "root", Group = "0" }));
        await Assert.ThrowsAsync<RemoteArgumentException>(() => p.CallAsync(FileSystem.Chown, new ChownOptions(tree) { Owner = "no-such-user-x" }));

        Assert.True(await p.CallAsync(FileSystem.Symlink, t.Path("releases/1"), t.Path("current")));
        Assert.False(await p.CallAsync(FileSystem.Symlink, t.Path("releases/1"), t.Path("current")));
        var link = await p.CallAsync(FileSystem.StatFollow, t.Path("current"), false);
        Assert.Equal(FileKind.Symlink, link.Type);
        Assert.Equal(t.Path("releases/1"), link.LinkTarget);
        Assert.Contains(t.Path("releases/1/bin/app"), await p.CallAsync(FileSystem.GlobRecursive, t.Dir, "**/app", true));
        Assert.Equal([t.Path("releases/1/bin/app")], await p.CallAsync(FileSystem.Glob, t.Dir, "**/app"));  // '**' recurses as in rmote
        Assert.Empty(await p.CallAsync(FileSystem.GlobRecursive, t.Dir, "**/app", false));

        await Assert.ThrowsAsync<RemoteIOException>(() => p.CallAsync(FileSystem.Remove, t.Path("releases")));
        Assert.True(await p.CallAsync(FileSystem.RemoveWith, new RemoveOptions(t.Path("releases")) { Recursive = true }));
        Assert.False(await p.CallAsync(FileSystem.Remove, t.Path("releases")));
        await Assert.ThrowsAsync<RemoteFileNotFoundException>(() => p.CallAsync(FileSystem.RemoveWith, new RemoveOptions(t.Path("releases")) { MissingOk = false }));
        Assert.True(Directory.Exists(t.LocalDir));
    }
}
