using Rmote.Fleet;
using Rmote.TestRig;
using Rmote.Tools;
using Rmote.Transport;

namespace Rmote.Core.Tests;

/// <summary>
/// HostSpec as the one connection-settings record: one rule for null and zero, one mapping to the transport, and a
/// connection pool that tells two connections apart by what connecting would run, against the rig's real sshd.
/// </summary>
[Collection("ssh")]
public sealed class ConnectionSettingsTests(SshFleetFixture rig)
{
    static HostSpec SpecFor(SshHost host) => new()
    {
        Host = host.HostName, User = host.User, Port = host.Port, Identity = host.IdentityFile, KnownHostsFile = host.KnownHostsFile,
        ConnectTimeout = TimeSpan.FromSeconds(20),
    };

    static IReadOnlyList<string> ArgvOf(HostSpec spec) => spec.ToTransportPlan(null).Argv;

    [Fact]
    public async Task Identical_specs_share_one_pooled_connection()
    {
        var host = rig.Hosts[0];
        await using var pool = new ConnectionPool();
        var first = await pool.GetAsync(SpecFor(host), null, default);
        // Equal settings in new instances (a new options list too): still one connection.
        var second = await pool.GetAsync(SpecFor(host) with { SshOptions = [] }, null, default);
        Assert.Same(first, second);
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public async Task Specs_differing_only_in_ConnectionPersist_get_connections_of_their_own()
    {
        var host = rig.Hosts[1];
        await using var pool = new ConnectionPool();
        var shared = await pool.GetAsync(SpecFor(host), null, default);
        var unshared = await pool.GetAsync(SpecFor(host) with { ConnectionPersist = TimeSpan.Zero }, null, default);
        var longer = await pool.GetAsync(SpecFor(host) with { ConnectionPersist = TimeSpan.FromSeconds(61) }, null, default);
        Assert.Equal(3, new[] { shared, unshared, longer }.Distinct().Count());
        Assert.Equal(3, new[] { shared.Info.Pid, unshared.Info.Pid, longer.Info.Pid }.Distinct().Count());
    }

    [Fact]
    public async Task Specs_differing_only_in_CodeCache_get_connections_of_their_own()
    {
        var host = rig.Hosts[2];
        await using var pool = new ConnectionPool();
        var cached = await pool.GetAsync(SpecFor(host), null, default);
        var uncached = await pool.GetAsync(SpecFor(host) with { CodeCache = false }, null, default);
        Assert.NotSame(cached, uncached);
        // What the user asked for is what each connection does: the remote reports its cache folder, or none.
        Assert.NotNull(cached.Info.CodeCache);
        Assert.Null(uncached.Info.CodeCache);
    }

    [Fact]
    public async Task Specs_differing_only_in_an_extra_ssh_option_get_connections_of_their_own()
    {
        var host = rig.Hosts[0];
        await using var pool = new ConnectionPool();
        var plain = await pool.GetAsync(SpecFor(host), null, default);
        var other = await pool.GetAsync(SpecFor(host) with { SshOptions = ["-o", "ServerAliveCountMax=4"] }, null, default);
        Assert.NotSame(plain, other);
        Assert.Equal("hi", await other.CallAsync(Diag.EchoString, "hi"));
    }

    [Fact]
    public async Task The_local_target_is_pooled_by_interpreter_and_code_cache()
    {
        await using var pool = new ConnectionPool();
        var local = new HostSpec { Host = HostSpec.LocalName };
        var a = await pool.GetAsync(local, null, default);
        Assert.Same(a, await pool.GetAsync(local with { Timeout = TimeSpan.FromSeconds(5) }, null, default)); // a step limit is not a connection setting
        Assert.NotSame(a, await pool.GetAsync(local with { CodeCache = false }, null, default));
        Assert.NotSame(a, await pool.GetAsync(local with { Python = "/usr/bin/python3" }, null, default));
        Assert.Equal(3, pool.Count);
    }

    [Fact]
    public void Null_is_the_default_and_zero_is_off_for_every_duration()
    {
        var spec = new HostSpec { Host = "web01" };
        var defaults = ArgvOf(spec);
        Assert.Contains("ControlPersist=60", defaults);
        Assert.Contains("ServerAliveInterval=15", defaults);
        Assert.Contains("ConnectTimeout=30", defaults);
        Assert.Equal("python3", spec.ToSshOptions().Python);
        Assert.DoesNotContain(ArgvOf(spec with { ConnectionPersist = TimeSpan.Zero }), a => a.StartsWith("Control", StringComparison.Ordinal));
        Assert.DoesNotContain(SshCommand.Build("web01", new SshOptions { ServerAliveInterval = TimeSpan.Zero }), a => a.StartsWith("ServerAlive", StringComparison.Ordinal));

        var options = spec.ToSshOptions();
        Assert.Equal(TimeSpan.FromSeconds(120), options.EffectiveNoProgressTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), options.EffectiveFrameStallTimeout);
        Assert.Null(options.EffectiveCallTimeout);
        var off = (spec with { NoProgressTimeout = TimeSpan.Zero, Timeout = TimeSpan.Zero }).ToSshOptions() with { FrameStallTimeout = TimeSpan.Zero };
        Assert.Null(off.EffectiveNoProgressTimeout);
        Assert.Null(off.EffectiveFrameStallTimeout);
        Assert.Null(off.EffectiveCallTimeout);
    }

    [Fact]
    public void A_negative_duration_is_refused_naming_the_setting()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new ProtocolOptions { NoProgressTimeout = TimeSpan.FromSeconds(-1) }.EffectiveNoProgressTimeout);
        Assert.Contains("NoProgressTimeout is negative", e.Message);
        var zero = Assert.ThrowsAny<ArgumentException>(() => { _ = Protocol.FromSubprocessAsync(new ProtocolOptions { ConnectTimeout = TimeSpan.Zero }).GetAwaiter().GetResult(); });
        Assert.Contains("ConnectTimeout must be positive", zero.Message);
    }

    [Fact]
    public void Front_end_defaults_carry_every_connection_setting_and_resolve_relative_paths()
    {
        ConnectionSettings settings = new HostSpec
        {
            Host = "ignored", Identity = "keys/id", KnownHostsFile = "~/.ssh/kh", SshConfigFile = "/etc/ssh/cfg", SshOptions = ["-J", "b"], Python = "python3.11",
            HostKeyChecking = HostKeyChecking.AcceptNew, Sudo = true, ConnectTimeout = TimeSpan.FromSeconds(7),
            ConnectionPersist = TimeSpan.Zero, NoProgressTimeout = TimeSpan.FromSeconds(9), CodeCache = false,
        };
        var spec = settings.ToHostDefaults("/work/project", TimeSpan.FromSeconds(3));
        Assert.Equal(HostSpec.LocalName, spec.Host);
        Assert.Equal("/work/project/keys/id", spec.Identity);
        Assert.Equal("~/.ssh/kh", spec.KnownHostsFile);   // expanded on ssh's side, as ssh users write it
        Assert.Equal(settings.SshOptions, spec.SshOptions);
        Assert.Equal(TimeSpan.FromSeconds(3), spec.Timeout);
        // Every other connection setting arrives as it was set: the record's own copy, no field list to forget one.
        foreach (var p in typeof(ConnectionSettings).GetProperties().Where(p => p.Name is not (nameof(HostSpec.Identity) or nameof(HostSpec.KnownHostsFile))))
            Assert.Equal(p.GetValue(settings), p.GetValue(spec));
        var parsed = HostSpec.Parse("deploy@web01:2222", spec);
        Assert.Equal(["-J", "b", "-T"], ArgvOf(parsed).Skip(1).Take(3));
        Assert.EndsWith("sudo -n -- python3.11 " + Bootstrap.ShellArguments, ArgvOf(parsed)[^1]);
    }

    [Fact]
    public async Task Connect_errors_name_the_settings_the_way_the_caller_wrote_them()
    {
        var spec = new HostSpec { Host = "127.0.0.1", Port = 1, User = "root", ConnectionPersist = TimeSpan.Zero, ConnectTimeout = TimeSpan.FromSeconds(5) };
        var viaSpec = await Assert.ThrowsAsync<RemoteConnectException>(() => spec.ConnectAsync());
        Assert.Contains("Check the host and port (Port)", viaSpec.Message);
        var viaApi = await Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromSshAsync("127.0.0.1", spec.ToSshOptions() with { SettingNames = SettingNames.SshOptionsApi }));
        Assert.Contains("Check the host and port (SshOptions.Port)", viaApi.Message);
        var python = Assert.Throws<ArgumentException>(() => { _ = (spec with { Python = "python3 -i" }).ConnectAsync(); });
        Assert.StartsWith("Python 'python3 -i' must be an interpreter name", python.Message);
        Assert.Contains("set Sudo = true", python.Message);
    }
}
