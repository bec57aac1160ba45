using Rmote.TestRig;

namespace Rmote.Deploy.Tests;

/// <summary>Issue 16 case 9: a frame over either side's limit fails the call with the sizes and what was sent, not "connection lost".</summary>
[Collection("ssh")]
public sealed class FrameLimitTests(SshFleetFixture rig)
{
    static readonly PythonTool Echo = PythonTool.FromSource("FrameEcho", """
        class FrameEcho(Tool):
            @staticmethod
            def echo(data):
                return data
        """);
    static readonly ToolMethod<byte[], byte[]> EchoBytes = Echo.Method<byte[], byte[]>("echo");

    [Fact]
    public async Task A_call_over_the_hosts_frame_limit_is_refused_naming_sizes_and_call_and_the_connection_stays()
    {
        var h = rig.Hosts[0];
        await using var p = await Rig.ConnectAsync(h);
        var data = Rig.Random(64 * 1024 * 1024 + 1, 3);   // incompressible: the frame stays over 64 MiB
        var e = await Assert.ThrowsAsync<ProtocolException>(() => p.CallAsync(EchoBytes, data));
        Assert.Matches(@"^\[[^\]]+\] frame of \d+ bytes exceeds the maximum 67108864 the host accepts: the call FrameEcho\.echo was not sent", e.Message);
        Assert.True(p.IsConnected);
        Assert.Equal([1, 2, 3], await p.CallAsync(EchoBytes, [1, 2, 3]));
    }

    [Fact]
    public async Task A_result_over_the_controllers_frame_limit_fails_that_call_naming_the_sizes()
    {
        var h = rig.Hosts[0];
        await using var p = await Protocol.FromSshAsync(h.HostName, new SshOptions
        {
            Name = h.Name, User = h.User, Port = h.Port, Identity = h.IdentityFile, KnownHostsFile = h.KnownHostsFile,
            MaxFrameSize = 128 * 1024,
        });
        var e = await Assert.ThrowsAnyAsync<Exception>(() => p.CallAsync(EchoBytes, Rig.Random(200 * 1024, 4)));
        Assert.IsAssignableFrom<IRemoteError>(e);
        Assert.Matches(@"^\[[^\]]+\] ValueError: frame of \d+ bytes exceeds the maximum 131072 the controller accepts \(a result: return less per call\)$", e.Message);
        Assert.True(p.IsConnected);
    }
}
