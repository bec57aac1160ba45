using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rmote.TestRig;
using Rmote.Tools;
using Rmote.Transport;

namespace Rmote.Core.Tests;

/// <summary>
/// Issue 16 case 6: a control socket folder that another local user owns is not used. That user could bind a fake
/// master at the socket's predictable name and receive the next deploy's session (commands, environment, secrets).
/// </summary>
[Collection("ssh")]
public sealed class ControlSocketOwnershipTests(SshFleetFixture rig)
{
    const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    const UnixFileMode Reachable = Private | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    // Binds the socket, says "ready", counts connections and bytes until its stdin closes.
    const string FakeMaster = """
        import os, select, socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(sys.argv[1])
        s.listen(8)
        print("ready", flush=True)
        accepted = got = 0
        while True:
            r, _, _ = select.select([s, 0], [], [])
            if s in r:
                c, _ = s.accept()
                accepted += 1
                c.settimeout(2)
                try:
                    got += len(c.recv(65536))
                except OSError:
                    pass
                c.close()
            if 0 in r and not os.read(0, 1024):
                break
        print("accepted=%d bytes=%d" % (accepted, got), flush=True)
        """;

    static string SocketPath(IReadOnlyList<string> argv) =>
        Assert.Single(argv, a => a.StartsWith("ControlPath=", StringComparison.Ordinal))["ControlPath=".Length..];

    [Fact]
    public async Task A_socket_folder_owned_by_another_user_is_not_used_and_the_connection_logs_in_itself()
    {
        var user = await LocalUser.EnsureAsync();
        var host = rig.Hosts[2];
        using var dir = new TempDir("rmote-ctl-");
        File.SetUnixFileMode(dir.Path, Reachable);  // the other user must reach its folder inside
        var folder = dir.Combine("ssh");
        var options = SshProtocolTests.OptionsFor(host) with { ControlSocketFolder = folder };
        // While the folder is ours, the socket's name is what every later connection with these options uses.
        var socket = SocketPath(SshCommand.Build(host.HostName, options));
        await user.ChownAsync(folder);
        Assert.Equal(Private, File.GetUnixFileMode(folder));

        var psi = new ProcessStartInfo(user.RunAsPrefix[0]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in user.RunAsPrefix.Skip(1).Concat(["python3", "-c", FakeMaster, socket])) psi.ArgumentList.Add(a);
        using var fake = Process.Start(psi)!;
        try
        {
            Assert.Equal("ready", await fake.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            var logger = new CapturingLogger();
            var logins = host.Logins();

            await using (var proto = await Protocol.FromSshAsync(host.HostName, options with { Logger = logger }))
                Assert.Equal("hi", await proto.CallAsync(Diag.EchoString, "hi"));

            fake.StandardInput.Close();
            Assert.Equal("accepted=0 bytes=0", await fake.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("control socket", StringComparison.Ordinal));
            Assert.Equal($"[{host.HostName}] SSH connection not shared: the control socket folder '{folder}' is owned by {user.Name} (uid {user.Uid}), "
                + "not by you (root (uid 0)): that user can put a fake master at the socket's name and receive your sessions. "
                + $"Fix: chown root '{folder}' && chmod 700 '{folder}', or remove it (rm -r '{folder}') so that Rmote creates it again.", warning.Message);
            Assert.Equal(logins + 1, host.Logins());  // a login of its own, on the real host
        }
        finally
        {
            if (!fake.HasExited) fake.Kill();
        }
    }

    [Fact]
    public void Links_open_folders_writable_parents_and_foreign_sockets_are_refused_with_the_fix()
    {
        using var dir = new TempDir("rmote-ctl-");
        string? Why(string folder)
        {
            var argv = SshConnectionSharing.Options(["ssh", "--", "web01"], TimeSpan.FromSeconds(60), folder, out var why);
            Assert.Equal(argv.Count == 0, why != null);
            Assert.True(why == null || why.IsWarning, why?.Reason);
            return why?.Reason;
        }

        var real = dir.Combine("real");
        Assert.Null(Why(real));  // created 0700: shared
        Assert.Equal(Private, File.GetUnixFileMode(real));
        // missing parents are made 0700 too: ~/.cache/rmote is also the remote code cache, which refuses an open folder
        var deep = dir.Combine("cache", "rmote", "ssh");
        Assert.Null(Why(deep));
        Assert.All([dir.Combine("cache"), dir.Combine("cache", "rmote"), deep], f => Assert.Equal(Private, File.GetUnixFileMode(f)));

        var link = dir.Combine("link");
        File.CreateSymbolicLink(link, real);
        Assert.Equal($"the control socket folder '{link}' is a symbolic link, so whoever controls its target controls the socket. "
            + $"Fix: remove the link (rm '{link}'); Rmote creates a real folder.", Why(link));

        File.SetUnixFileMode(real, Private | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        Assert.Equal($"the control socket folder '{real}' is open to other users (mode 0750). Fix: chmod 700 '{real}'.", Why(real));

        var parent = dir.Combine("shared");
        var inner = Path.Combine(parent, "ssh");
        Directory.CreateDirectory(inner, Private);
        File.SetUnixFileMode(parent, Reachable | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);
        Assert.Equal($"the folder '{parent}' above the control socket folder '{inner}' is writable by group or others (mode 0777), "
            + $"so another user can replace what it holds. Fix: chmod go-w '{parent}'.", Why(inner));

        // An existing entry at the socket's name that is not a socket (or not ours) is not a master we started.
        File.SetUnixFileMode(real, Private);
        var socket = SocketPath(SshConnectionSharing.Options(["ssh", "--", "web01"], TimeSpan.FromSeconds(60), real, out _));
        File.WriteAllText(socket, "");
        Assert.Equal($"the control socket '{socket}' is not a socket, not a master you started. Fix: remove it (rm '{socket}').", Why(real));
    }
}
