using Rmote.TestRig;
using Xunit.Abstractions;

namespace Rmote.Reliability.Tests.Load;

/// <summary>
/// The load figures at the sizes the suite can afford on 2 shared cores: 64 SSH connections x 1,000 calls in
/// flight, and a 256 MiB streamed transfer (the full 2 GiB run is in build/bench/Load). Run alone: they read peak RSS.
/// </summary>
[Collection("alone")]
public sealed class LoadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sixty_four_ssh_connections_with_a_thousand_calls_each_lose_and_mix_up_nothing()
    {
        await using var fleet = await SshFleet.StartAsync(3);
        var result = await LoadRun.CallsAsync(fleet.Hosts, connections: 64, calls: 1000).WaitAsync(TimeSpan.FromMinutes(4));
        output.WriteLine(result.ToString());
        Observed.Record("load: 64 x 1,000 calls", "64 SSH connections over 3 loopback sshd, 1,000 echo calls in flight on each", result.ToString(), "nothing");
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.Wrong);
        Assert.True(result.PeakRssKib < 512 * 1024, $"controller peak RSS {result.PeakRssKib / 1024} MiB");
        Assert.Empty(await Observed.WaitNoChildrenAsync("-i " + fleet.IdentityFile)); // no ssh client left
    }

    [Fact]
    public async Task A_256_MiB_streamed_transfer_arrives_intact_with_bounded_memory()
    {
        await using var fleet = await SshFleet.StartAsync(1);
        var host = fleet[0];
        var result = await LoadRun.CopyAsync(host, host.RemoteSrv + "/big.bin", 256L << 20).WaitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine(result.ToString());
        Observed.Record("load: 256 MiB transfer", "256 MiB of random data in 1 MiB chunks over SSH, pwrite on the host, sha256 on the host",
            result.ToString(), "nothing (the file is removed after hashing)");
        Assert.Equal(result.LocalSha256, result.RemoteSha256);
        Assert.True(result.PeakRssKib < 512 * 1024, $"controller peak RSS {result.PeakRssKib / 1024} MiB");
    }
}
