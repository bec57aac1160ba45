using Microsoft.Extensions.Logging;
using Rmote.TestRig;
using Rmote.Tools;
using static Rmote.Reliability.Tests.Observed;

namespace Rmote.Reliability.Tests.Security;

/// <summary>Shell metacharacters are refused or passed as argv; host keys are strict by default; secrets stay out of logs.</summary>
[Collection("ssh")]
public sealed class InjectionAndTrustTests(SshFleetFixture rig)
{
    public static TheoryData<string> HostileHosts => new()
    {
        "-oProxyCommand=touch /tmp/rmote-pwned", "host; touch /tmp/rmote-pwned", "host && id", "host | id", "$(touch /tmp/rmote-pwned)",
        "`id`", "host\nid", "host id", "host'", "host\"", "host>x", "host<x", "", " ", "-", "\0host",
    };

    [Theory]
    [MemberData(nameof(HostileHosts))]
    public void Hostile_host_names_are_refused_before_any_process_starts(string host)
    {
        // The "ssh" is a script that leaves a mark if it ever runs: counting this process's children instead
        // races with the other test collections' processes.
        using var dir = new TempDir();
        var mark = dir.Combine("ssh-ran");
        var ssh = dir.WriteFile("ssh", $"#!/bin/sh\ntouch '{mark}'\n");
        File.SetUnixFileMode(ssh, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.ThrowsAny<ArgumentException>(() => { _ = Protocol.FromSshAsync(host, new SshOptions { SshExecutable = ssh }); });
        Assert.False(File.Exists("/tmp/rmote-pwned"));
        Assert.False(File.Exists(mark), "the ssh executable was started for a hostile host name");
    }

    [Theory]
    [InlineData("python3; reboot")]
    [InlineData("python3 -c 'import os'")]
    [InlineData("$(id)")]
    [InlineData("python3\nid")]
    [InlineData("`id`")]
    [InlineData("python3|id")]
    [InlineData("-oProxyCommand=id")]
    public void Hostile_python_names_are_refused_for_every_transport(string python)
    {
        Assert.ThrowsAny<ArgumentException>(() => { _ = Protocol.FromSshAsync("host", new SshOptions { Python = python, SshExecutable = "/bin/false-should-never-run" }); });
        Assert.ThrowsAny<ArgumentException>(() => { _ = Protocol.FromSubprocessAsync(new ProtocolOptions { Python = python }); });
    }

    [Theory]
    [InlineData("root -oProxyCommand=id")]
    [InlineData("-oProxyCommand=id")]
    [InlineData("root\nid")]
    [InlineData("")]
    public void Hostile_user_names_are_refused(string user)
    {
        Assert.ThrowsAny<ArgumentException>(() => { _ = Protocol.FromSshAsync("host", new SshOptions { User = user, SshExecutable = "/bin/false-should-never-run" }); });
    }

    [Theory]
    [InlineData("My Tool")]
    [InlineData("x;import os")]
    [InlineData("__import__('os')")]
    [InlineData("")]
    public void Hostile_tool_and_method_names_are_refused(string name)
    {
        Assert.ThrowsAny<ArgumentException>(() => PythonTool.FromSource(name, "class X(Tool): pass"));
        Assert.ThrowsAny<ArgumentException>(() => Diag.Tool.Method<string>("_" + name));
    }

    static readonly PythonTool Argv = PythonTool.FromSource("ArgvProbe", """
        import subprocess, sys

        class ArgvProbe(Tool):
            @staticmethod
            def run(args):
                # argv to a child, never a shell string: the child echoes each argument back verbatim.
                out = subprocess.run([sys.executable, "-c", "import sys, json; print(json.dumps(sys.argv[1:]))"] + args,
                                     check=True, capture_output=True, text=True).stdout
                return out
        """);
    static readonly ToolMethod<string[], string> Run = Argv.Method<string[], string>("run");

    [Fact]
    public async Task Arguments_with_metacharacters_arrive_verbatim_over_ssh()
    {
        var host = rig.Hosts[0];
        await using var proto = await Protocol.FromSshAsync(host.HostName, OptionsFor(host));
        string[] args = ["; touch /tmp/rmote-pwned", "$(id)", "`id`", "a b", "'quoted'", "\"dq\"", "back\\slash", "new\nline", "*", "~", "-rf", "ü€", "%s%n", ""];
        var echoed = System.Text.Json.JsonSerializer.Deserialize<string[]>(await proto.CallAsync(Run, args));
        Assert.Equal(args, echoed);
        Assert.Equal("; touch /tmp/rmote-pwned", await proto.CallAsync(Diag.EchoString, "; touch /tmp/rmote-pwned"));
        Assert.False(File.Exists(Path.Combine(host.SrvRoot, "..", "rmote-pwned")));
        Assert.False(File.Exists("/tmp/rmote-pwned"));
    }

    [Fact]
    public async Task Host_key_checking_is_strict_by_default_and_relaxing_it_logs_a_warning()
    {
        var host = rig.Hosts[1];
        Assert.Equal(HostKeyChecking.Strict, new SshOptions().HostKeyChecking);
        using var dir = new TempDir();
        var empty = dir.Combine("known_hosts");
        File.WriteAllText(empty, "");

        // Strict (default): an unknown key is refused, nothing is added, no warning about relaxing.
        var strictLog = new CapturingLogger();
        var refused = await Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromSshAsync(host.HostName, OptionsFor(host) with { KnownHostsFile = empty, Logger = strictLog }));
        Assert.Equal(ConnectFailure.HostKeyUnknown, refused.Reason);
        Assert.Equal("", File.ReadAllText(empty));
        Assert.DoesNotContain(strictLog.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("host-key checking is relaxed"));

        // AcceptNew: only with the explicit option, and it says so.
        var relaxedLog = new CapturingLogger();
        await using (var proto = await Protocol.FromSshAsync(host.HostName, OptionsFor(host) with { KnownHostsFile = empty, HostKeyChecking = HostKeyChecking.AcceptNew, Logger = relaxedLog }))
            Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
        var warning = Assert.Single(relaxedLog.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("host-key checking is relaxed"));
        Assert.Contains("[host2]", warning.Message);
        Assert.Contains("AcceptNew", warning.Message);

        // A raw "-o StrictHostKeyChecking=no" in Options is caught too.
        var rawLog = new CapturingLogger();
        await using (var proto = await Protocol.FromSshAsync(host.HostName, OptionsFor(host) with { Options = ["-o", "StrictHostKeyChecking=no"], Logger = rawLog }))
            Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
        Assert.Contains(rawLog.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("relaxed"));
        Record("host-key checking", "unknown host key with the default options; then HostKeyChecking.AcceptNew; then -o StrictHostKeyChecking=no",
            $"{refused.GetType().Name} ({refused.Reason}): {refused.Message.Split('\n')[0]} / relaxed: warning \"{warning.Message}\"", "known_hosts untouched under Strict");
    }

    [Fact]
    public async Task Secrets_in_the_transport_environment_never_reach_logs_or_exception_messages()
    {
        const string secret = "s3cr3t-T0KEN-5f9d1c";
        var host = rig.Hosts[2];
        var log = new CapturingLogger();
        var env = new Dictionary<string, string> { ["DEPLOY_TOKEN"] = secret, ["SSH_ASKPASS_TOKEN"] = secret };

        // A successful connection with Trace logging and remote Debug forwarding.
        await using (var proto = await Protocol.FromSshAsync(host.HostName, OptionsFor(host) with { Environment = env, Logger = log, RemoteLogLevel = LogLevel.Trace }))
        {
            await proto.CallAsync(Diag.Log, 10, "remote debug record");
            var failed = await Assert.ThrowsAnyAsync<Exception>(() => proto.CallAsync(Diag.RaiseError, "PermissionError", "denied"));
            Assert.DoesNotContain(secret, failed.ToString());
        }
        // Failing connections of every kind.
        var errors = new List<Exception>
        {
            await Assert.ThrowsAnyAsync<Exception>(() => Protocol.FromSshAsync(host.HostName, OptionsFor(host) with { Environment = env, Logger = log, Python = "python3.99" })),
            await Assert.ThrowsAnyAsync<Exception>(() => Protocol.FromSshAsync(host.HostName, OptionsFor(host) with { Environment = env, Logger = log, Port = 1 })),
            await Assert.ThrowsAnyAsync<Exception>(() => Protocol.FromCommandAsync(["sh", "-c", "echo oops >&2; exit 3", "x"], new ProtocolOptions { Environment = env, Logger = log })),
        };
        foreach (var e in errors) Assert.DoesNotContain(secret, e.ToString());
        Assert.DoesNotContain(secret, log.AllText);
        Assert.NotEmpty(log.Entries);
    }
}
