using System.Diagnostics;
using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Reliability.Tests.Hostile;

/// <summary>Closing a connection is bounded even when the remote stopped reading.</summary>
public sealed class DisposeTests
{
    [Fact]
    public async Task Dispose_returns_when_the_remote_stopped_reading_and_reaps_it()
    {
        var proto = await Protocol.FromSubprocessAsync(new ProtocolOptions { Name = "frozen" });
        var pid = proto.Info.Pid;
        Assert.True(ProcessTree.Signal(pid, ProcessTree.SIGSTOP));
        try
        {
            // 32 MiB queued behind a 1 MiB pipe nobody drains: the writer blocks inside write(2).
            var data = new byte[32 << 20];
            new Random(1).NextBytes(data); // incompressible, so the frame really is 32 MiB
            var call = proto.CallAsync(Diag.EchoBytes, data);
            await Task.Delay(500);
            var sw = Stopwatch.StartNew();
            await proto.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30));
            var lost = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => call.WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.Contains("[frozen]", lost.Message);
            Assert.True(await ProcessTree.WaitForExitAsync(pid, TimeSpan.FromSeconds(10)), "the frozen remote was not reaped");
        }
        finally
        {
            ProcessTree.Signal(pid, ProcessTree.SIGKILL);
        }
    }
}
