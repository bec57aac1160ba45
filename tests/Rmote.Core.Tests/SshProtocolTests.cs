using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Core.Tests;

/// <summary>The SSH transport against the rig's real sshd hosts, strict host-key checking on.</summary>
[Collection("ssh")]
public sealed class SshProtocolTests(SshFleetFixture rig)
{
    static readonly PythonTool Files = PythonTool.FromSource("TestFiles", """
        class TestFiles(Tool):
            @staticmethod
            def write(path, text):
                with open(path, "w") as f:
                    f.write(text)
                return path
        """);
    static readonly ToolMethod<string, string, string> Write = Files.Method<string, string, string>("write");

    internal static SshOptions OptionsFor(SshHost host) => new()
    {
        User = host.User,
        Port = host.Port,
        Identity = host.IdentityFile,
        KnownHostsFile = host.KnownHostsFile,
        ConnectTimeout = TimeSpan.FromSeconds(20),
    };

    /// <summary>The failure of connecting to the rig's host with <paramref name="options"/> (it must fail).</summary>
    static Task<RemoteConnectException> ConnectFailsAsync(SshOptions options) =>
        Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromSshAsync("127.0.0.1", options));

    [Fact]
    public async Task Three_hosts_connect_concurrently_and_each_sees_its_own_filesystem()
    {
        var hosts = rig.Hosts;
        var protocols = await Task.WhenAll(hosts.Select(h => Protocol.FromSshAsync(h.HostName, OptionsFor(h))));
        try
        {
            await Task.WhenAll(protocols.Select((p, i) => p.CallAsync(Write, "/srv/whoami.txt", hosts[i].Name)));
            for (var i = 0; i < hosts.Count; i++)
                Assert.Equal(hosts[i].Name, File.ReadAllText(Path.Combine(hosts[i].SrvRoot, "whoami.txt")));
        }
        finally
        {
            foreach (var p in protocols) await p.DisposeAsync();
        }
    }

    [Fact]
    public async Task Pipelined_calls_and_raw_bytes_over_ssh()
    {
        var host = rig.Hosts[0];
        await using var proto = await Protocol.FromSshAsync(host.UserAtHost, OptionsFor(host));
        var results = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => proto.CallAsync(Diag.EchoString, $"n{i}")));
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"n{i}"), results);
        var data = new byte[4 << 20];
        Random.Shared.NextBytes(data);
        Assert.Equal(data, await proto.CallAsync(Diag.EchoBytes, data));
    }

    [Fact]
    public async Task Connection_refused_names_the_port_fix()
    {
        var port = FreePort();
        var host = rig.Hosts[0];
        var error = await ConnectFailsAsync(OptionsFor(host) with { Port = port });
        Assert.Equal(ConnectFailure.ConnectionRefused, error.Reason);
        Assert.Contains("SshOptions.Port", error.Message);
    }

    [Fact]
    public async Task A_key_the_server_does_not_accept_is_an_authentication_failure()
    {
        using var dir = new TempDir();
        var key = Path.Combine(dir.Path, "stranger");
        var keygen = await ProcessRunner.RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
        Assert.Equal(0, keygen.ExitCode);
        var host = rig.Hosts[0];
        var error = await ConnectFailsAsync(OptionsFor(host) with { Identity = key });
        Assert.Equal(ConnectFailure.AuthenticationFailed, error.Reason);
        Assert.Contains("SshOptions.Identity", error.Message);
        Assert.Contains("Permission denied", error.Message);
    }

    [Fact]
    public async Task An_unknown_host_key_is_refused_with_strict_checking()
    {
        using var dir = new TempDir();
        var empty = Path.Combine(dir.Path, "known_hosts");
        File.WriteAllText(empty, "");
        var host = rig.Hosts[0];
        var error = await ConnectFailsAsync(OptionsFor(host) with { KnownHostsFile = empty });
        Assert.Equal(ConnectFailure.HostKeyUnknown, error.Reason);
        Assert.Contains("known_hosts", error.Message);
        Assert.Equal("", File.ReadAllText(empty));
    }

    [Fact]
    public async Task A_changed_host_key_is_refused_as_a_mismatch()
    {
        using var dir = new TempDir();
        var wrong = Path.Combine(dir.Path, "known_hosts");
        var host = rig.Hosts[0];
        File.WriteAllText(wrong, $"{host.KnownHostsPattern} {rig.Hosts[1].HostPublicKey}\n");
        var error = await ConnectFailsAsync(OptionsFor(host) with { KnownHostsFile = wrong });
        Assert.Equal(ConnectFailure.HostKeyMismatch, error.Reason);
        Assert.Contains("ssh-keygen -R", error.Message);
    }

    [Fact]
    public async Task A_missing_ssh_config_file_is_named_as_such_not_as_a_missing_python()
    {
        using var dir = new TempDir();
        var missing = Path.Combine(dir.Path, "no-such-ssh-config");
        var host = rig.Hosts[0];
        var logins = host.Logins();
        var error = await ConnectFailsAsync(OptionsFor(host) with { ConfigFile = missing });
        Assert.Equal(ConnectFailure.SshConfigInvalid, error.Reason);
        Assert.Contains(missing, error.Message);
        Assert.Contains("SshOptions.ConfigFile", error.Message);
        Assert.DoesNotContain("python", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(logins, host.Logins());  // refused before any connection
    }

    [Fact]
    public async Task A_bad_ssh_option_or_config_line_names_the_line()
    {
        using var dir = new TempDir();
        var config = Path.Combine(dir.Path, "ssh_config");
        File.WriteAllText(config, "Host *\n    Ciphers not-a-cipher\n");
        var host = rig.Hosts[0];
        var fromFile = await ConnectFailsAsync(OptionsFor(host) with { ConfigFile = config });
        Assert.Equal(ConnectFailure.SshConfigInvalid, fromFile.Reason);
        Assert.Contains("line 2: Bad SSH2 cipher spec 'not-a-cipher'", fromFile.Message);
        var fromOption = await ConnectFailsAsync(OptionsFor(host) with { Options = ["-o", "NoSuchOption=yes"] });
        Assert.Equal(ConnectFailure.SshConfigInvalid, fromOption.Reason);
        Assert.Contains("Bad configuration option: nosuchoption", fromOption.Message);
        Assert.Contains("SshOptions.Options", fromOption.Message);
    }

    [Fact]
    public async Task A_missing_remote_python_suggests_the_python_option()
    {
        var host = rig.Hosts[1];
        var error = await ConnectFailsAsync(OptionsFor(host) with { Python = "python3.99" });
        Assert.Equal(ConnectFailure.PythonNotFound, error.Reason);
        Assert.Contains("Python = \"python3.x\"", error.Message);
    }

    [Fact]
    public async Task Login_noise_on_stdout_is_skipped()
    {
        // A wrapper that prints like a chatty .bashrc or motd before the interpreter starts.
        var host = rig.Hosts[2];
        var wrapper = WriteScript(host, "noisy-python", "#!/bin/sh\necho 'Last login: Sun Nov 22 from 10.0.0.1'\nprintf 'motd without newline'\nexec python3 \"$@\"\n");
        await using var proto = await Protocol.FromSshAsync("127.0.0.1", OptionsFor(host) with { Python = wrapper });
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task A_remote_crash_during_bootstrap_shows_its_stderr()
    {
        var host = rig.Hosts[2];
        var wrapper = WriteScript(host, "crashing-python", "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\necho 'MemoryError: simulated' >&2\nexit 1\n");
        var error = await ConnectFailsAsync(OptionsFor(host) with { Python = wrapper });
        Assert.Equal(ConnectFailure.BootstrapFailed, error.Reason);
        Assert.Contains("MemoryError: simulated", error.Message);
    }

    [Fact]
    public async Task A_host_that_accepts_tcp_but_never_answers_hits_the_connect_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var host = rig.Hosts[0];
        // The Timeout failure is the event; the 60 s guard only turns a hang into a clear failure.
        var error = await Assert.ThrowsAsync<RemoteConnectException>(() =>
            Protocol.FromSshAsync("127.0.0.1", OptionsFor(host) with { Port = port, ConnectTimeout = TimeSpan.FromSeconds(2) }).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(ConnectFailure.Timeout, error.Reason);
    }

    [Fact]
    public async Task Jump_hosts_work_through_ssh_config()
    {
        // The target is the jump host's own sshd on 127.0.0.1 inside its network namespace: nothing outside that
        // namespace reaches it, so only a connection through the jump (-J) gets there.
        await using var jump = await NetNamespaceHost.CreateAsync();
        using var client = new TempDir();
        var knownHosts = client.WriteFile("known_hosts",
            $"{jump.HostName} {jump.HostPublicKey}\n[127.0.0.1]:{NetNamespaceHost.LoopbackPort} {jump.HostPublicKey}\n");
        var config = client.WriteFile("ssh_config", $"""
            Host jump
                HostName {jump.HostName}
                Port 22
            Host target
                HostName 127.0.0.1
                Port {NetNamespaceHost.LoopbackPort}
            Host *
                User root
                IdentityFile {jump.IdentityFile}
                IdentitiesOnly yes
                UserKnownHostsFile {knownHosts}
                GlobalKnownHostsFile /dev/null
                StrictHostKeyChecking yes
                BatchMode yes
                PasswordAuthentication no
                ControlMaster no
                ControlPath none

            """);
        var direct = await ProcessRunner.RunAsync("ssh", ["-F", config, "target", "true"], timeout: TimeSpan.FromSeconds(60));
        Assert.True(direct.ExitCode != 0, "the target answered without the jump: the test would not notice -J being ignored");

        await using (var proto = await Protocol.FromSshAsync("target", new SshOptions { ConfigFile = config, Options = ["-J", "jump"] }))
            await proto.CallAsync(Write, jump.RemoteSrv + "/jumped.txt", "via the jump host");
        Assert.Equal("via the jump host", File.ReadAllText(Path.Combine(jump.SrvRoot, "jumped.txt")));
        // The jump host's sshd log shows both legs: the login from outside, and the forwarded one on its own loopback.
        var log = jump.ReadLog();
        Assert.Matches($@"Accepted publickey for root from {Regex.Escape(jump.LocalAddress)} port \d+", log);
        Assert.Matches($@"Connection from 127\.0\.0\.1 port \d+ on 127\.0\.0\.1 port {NetNamespaceHost.LoopbackPort}", log);
        Assert.Matches(@"Accepted publickey for root from 127\.0\.0\.1 port \d+", log);
    }

    [Fact]
    public async Task Killing_ssh_fails_pending_calls_and_disposing_reaps_the_remote()
    {
        var host = rig.Hosts[0];
        // The ssh client as the transport (KeptRuntimeTests kills a kept runtime's master)
        var proto = await Protocol.FromSshAsync("127.0.0.1", OptionsFor(host) with { KeepRuntime = false });
        var remotePid = proto.Info.Pid;
        var sleeping = proto.CallAsync(Diag.Sleep, 60.0);
        foreach (var pid in ProcessTree.GetDescendants(Environment.ProcessId))
        {
            // Other tests' processes come and go meanwhile: one that already exited has no cmdline.
            var cmdline = ProcessTree.GetCommandLine(pid) ?? "";
            if (cmdline.StartsWith("ssh ", StringComparison.Ordinal) && cmdline.Contains($"{host.Port}"))
                try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { }
        }
        var lost = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => sleeping.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("127.0.0.1", lost.Message);
        await proto.DisposeAsync();
        await LocalProtocolTests.WaitUntil(() => !Directory.Exists($"/proc/{remotePid}"));
    }

    [Fact]
    public void Shell_metacharacters_in_the_host_are_refused_before_ssh_runs()
    {
        Assert.Throws<ArgumentException>(() => { _ = Protocol.FromSshAsync("-oProxyCommand=touch /tmp/pwned"); });
        Assert.Throws<ArgumentException>(() => { _ = Protocol.FromSshAsync("host; rm -rf /"); });
        Assert.Throws<ArgumentException>(() => { _ = Protocol.FromSshAsync("host", new SshOptions { Python = "python3; reboot" }); });
    }

    static string WriteScript(SshHost host, string name, string text)
    {
        // The remote sees the host's /srv; the script lives there.
        var local = Path.Combine(host.SrvRoot, name);
        File.WriteAllText(local, text);
        File.SetUnixFileMode(local, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return "/srv/" + name;
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
