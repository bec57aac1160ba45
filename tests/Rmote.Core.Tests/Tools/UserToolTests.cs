using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Core.Tests.Tools;

/// <summary>User for real (useradd, groupadd, visudo) inside a disposable Debian root: never this machine's /etc.</summary>
[Collection("debian-root")]
public sealed class UserToolTests(DebianRootFixture rig)
{
    const string KeyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHxOdBTq8Ht8pL2rqVOU1bVZ3gXcNHTLpsW4V2JLuN2E alice@laptop";
    const string KeyB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7UZDj8bkQ0wq7c7Ufc8XwJ7i0ZB3H9PpI1Q3RzSxGv ci@build";

    [Fact]
    public async Task Groups_users_and_authorized_keys_converge()
    {
        await using var t = await RootTarget.OpenAsync(rig);
        var p = t.Proto;

        Assert.True(await p.CallAsync(User.Group, new GroupOptions("deployers") { Gid = 2345 }));
        Assert.False(await p.CallAsync(User.Group, new GroupOptions("deployers") { Gid = 2345 }));

        var created = await p.CallAsync(User.Account, new UserOptions("deploy") { Groups = ["deployers"], Shell = "/bin/bash", Comment = "Deploy bot" });
        Assert.True(created.Changed);
        Assert.True(created.Exists);
        Assert.Equal(["deployers"], created.Groups);
        Assert.Equal("/home/deploy", created.Home);
        Assert.Equal("Deploy bot", created.Comment);
        Assert.Contains("deploy:x:", await p.CallAsync(FileSystem.ReadStr, "/etc/passwd"));
        Assert.False((await p.CallAsync(User.Account, new UserOptions("deploy") { Groups = ["deployers"], Shell = "/bin/bash" })).Changed);
        var modified = await p.CallAsync(User.Account, new UserOptions("deploy") { Shell = "/bin/sh", Groups = [], Append = false });
        Assert.True(modified.Changed);
        Assert.Equal("/bin/sh", modified.Shell);
        Assert.Empty(modified.Groups!);

        Assert.True(await p.CallAsync(User.AuthorizedKey, new AuthorizedKeyOptions("deploy", KeyA)));
        Assert.False(await p.CallAsync(User.AuthorizedKey, new AuthorizedKeyOptions("deploy", KeyA)));
        Assert.True(await p.CallAsync(User.AuthorizedKey, new AuthorizedKeyOptions("deploy", KeyB)));
        var keys = await p.CallAsync(FileSystem.Stat, "/home/deploy/.ssh/authorized_keys");
        Assert.Equal(("0600", "deploy"), (keys.OctalMode, keys.Owner));
        Assert.Equal("0700", (await p.CallAsync(FileSystem.Stat, "/home/deploy/.ssh")).OctalMode);
        Assert.True(await p.CallAsync(User.AuthorizedKey, new AuthorizedKeyOptions("deploy", KeyB) { Exclusive = true }));
        Assert.Equal(KeyB + "\n", await p.CallAsync(FileSystem.ReadStr, "/home/deploy/.ssh/authorized_keys"));
        await Assert.ThrowsAsync<RemoteArgumentException>(() => p.CallAsync(User.AuthorizedKey, new AuthorizedKeyOptions("nobody-here", KeyA)));

        var removed = await p.CallAsync(User.Account, new UserOptions("deploy") { State = Presence.Absent, RemoveHome = true });
        Assert.True(removed.Changed);
        Assert.False(removed.Exists);
        Assert.False(await p.CallAsync(FileSystem.Exists, "/home/deploy"));
        Assert.True(await p.CallAsync(User.Group, new GroupOptions("deployers") { State = Presence.Absent }));
        Assert.False(File.Exists(Path.Combine(t.Lower, "home/deploy/.ssh/authorized_keys")));
    }

    [Fact]
    public async Task Sudoer_drop_in_is_validated_by_visudo_before_it_is_installed()
    {
        await using var t = await RootTarget.OpenAsync(rig);
        var p = t.Proto;
        const string rule = "deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart web";

        Assert.True(await p.CallAsync(User.Sudoer, new SudoerOptions("deploy", rule)));
        Assert.False(await p.CallAsync(User.Sudoer, new SudoerOptions("deploy", rule)));
        var st = await p.CallAsync(FileSystem.Stat, "/etc/sudoers.d/deploy");
        Assert.Equal(("0440", "root"), (st.OctalMode, st.Owner));
        Assert.Equal(0, (await p.CallAsync(Exec.Command, new ExecOptions("visudo", "-c"))).ExitCode);

        var bad = await Assert.ThrowsAsync<RemoteArgumentException>(() => p.CallAsync(User.Sudoer, new SudoerOptions("deploy", "deploy ALL=(root NOPASSWD")));
        Assert.Contains("syntax error", bad.Message);
        Assert.Equal(rule + "\n", await p.CallAsync(FileSystem.ReadStr, "/etc/sudoers.d/deploy"));
        Assert.Empty(await p.CallAsync(FileSystem.Glob, "/etc/sudoers.d/", ".*"));  // no temp file left behind

        Assert.True(await p.CallAsync(User.Sudoer, new SudoerOptions("deploy", "") { State = Presence.Absent }));
        Assert.False(await p.CallAsync(FileSystem.Exists, "/etc/sudoers.d/deploy"));
    }
}
