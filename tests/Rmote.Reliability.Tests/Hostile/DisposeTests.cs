using System.Globalization;
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
            await WaitUntilStdinPipeIsFullAsync(pid);
            var disposed = proto.DisposeAsync().AsTask();
            if (await Task.WhenAny(disposed, Task.Delay(TimeSpan.FromSeconds(60))) != disposed)
                Assert.Fail("DisposeAsync did not return within 60 s while the remote's stdin pipe was full and its writer blocked");
            await disposed;
            var lost = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => call.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("[frozen]", lost.Message);
            Assert.True(await ProcessTree.WaitForExitAsync(pid, TimeSpan.FromSeconds(60)), "the frozen remote was not reaped within 60 s");
        }
        finally
        {
            ProcessTree.Signal(pid, ProcessTree.SIGKILL);
        }
    }

    /// <summary>
    /// Waits until the bytes queued in the stopped remote's input pipe reach the pipe's capacity (within a page) (FIONREAD and
    /// F_GETPIPE_SZ on the pipe it reads, found in /proc/PID/fd: the runtime moves its input off fd 0): from then on
    /// the controller's writer is blocked inside write(2).
    /// </summary>
    static async Task WaitUntilStdinPipeIsFullAsync(int pid)
    {
        const string probe = """
            import fcntl, os, struct, sys, termios
            fds = "/proc/%s/fd" % sys.argv[1]
            for name in os.listdir(fds):
                with open("/proc/%s/fdinfo/%s" % (sys.argv[1], name)) as info:
                    flags = int(info.read().split("flags:")[1].split()[0], 8)
                if os.readlink(os.path.join(fds, name)).startswith("pipe:") and flags & 3 == os.O_RDONLY:
                    fd = os.open(os.path.join(fds, name), os.O_RDONLY | os.O_NONBLOCK)
                    queued = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
                    print(queued, fcntl.fcntl(fd, 1032))  # F_GETPIPE_SZ
                    break
            else:
                sys.exit("no input pipe among " + str(os.listdir(fds)))
            """;
        var seen = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            var r = await ProcessRunner.RunAsync("python3", ["-c", probe, pid.ToString(CultureInfo.InvariantCulture)]);
            Assert.True(r.ExitCode == 0, r.StdErr);
            seen = r.StdOut.Trim();
            var parts = seen.Split(' ');
            // full to within a page: a pipe stores writes in pages, so the last one may stay a little short
            if (int.Parse(parts[0], CultureInfo.InvariantCulture) > int.Parse(parts[1], CultureInfo.InvariantCulture) - 4096) return;
        }
        Assert.Fail($"the remote's stdin pipe never filled within 60 s (queued, capacity: {seen})");
    }
}
