using System.Net;
using System.Net.Sockets;
using Rmote.Deploy;
using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Core.Tests.Deploy;

/// <summary>HealthCheck against a real python http.server started on the remote (local transport) and real commands.</summary>
public sealed class HealthCheckTests
{
    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Url_check_polls_until_the_remote_server_answers()
    {
        await using var proto = await Protocol.FromSubprocessAsync();
        using var dir = new TempDir();
        var port = FreePort();
        using var stop = new CancellationTokenSource();
        // The server starts late on purpose; its stream is cancelled at the end, which kills it on the remote.
        var server = Task.Run(async () =>
        {
            await foreach (var _ in proto.StreamAsync(Exec.StreamShell,
                new ShellStreamOptions($"sleep 1; exec python3 -m http.server {port} --bind 127.0.0.1 --directory {dir.Path}"), stop.Token)) { }
        });
        try
        {
            var ok = await HealthCheck.WaitAsync(proto, HealthCheckOptions.ForUrl($"http://127.0.0.1:{port}/") with
            {
                Interval = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromSeconds(20),
            });
            Assert.True(ok.Attempts > 1, $"the server was up at once ({ok.Attempts} attempt)");
            Assert.Equal("HTTP 200", ok.Detail);

            var notFound = await HealthCheck.WaitAsync(proto, HealthCheckOptions.ForUrl($"http://127.0.0.1:{port}/missing", 404));
            Assert.Equal(1, notFound.Attempts);

            var wrong = await Assert.ThrowsAsync<HealthCheckTimeoutException>(() => HealthCheck.WaitAsync(proto,
                HealthCheckOptions.ForUrl($"http://127.0.0.1:{port}/missing") with { Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromMilliseconds(500) }));
            Assert.Contains("HTTP 404", wrong.Message);
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server);
        }
        // The call ends locally at once; the remote kills the server's process group moments later.
        await WaitUntilRefusedAsync(port);
        var refused = await Assert.ThrowsAsync<HealthCheckTimeoutException>(() => HealthCheck.WaitAsync(proto,
            HealthCheckOptions.ForUrl($"http://127.0.0.1:{port}/") with { Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromMilliseconds(600) }));
        Assert.Contains("refused", refused.Message, StringComparison.OrdinalIgnoreCase);
    }

    static async Task WaitUntilRefusedAsync(int port)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
            }
            catch (System.Net.Sockets.SocketException)
            {
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"the cancelled server still listens on port {port} after 10 s");
    }

    [Fact]
    public async Task Command_check_passes_on_exit_zero_and_times_out_with_the_last_failure()
    {
        await using var proto = await Protocol.FromSubprocessAsync();
        using var dir = new TempDir();
        var flag = dir.Combine("ready");
        // not ready on the first attempt, ready from the second: the attempt itself makes the flag, so no clock decides
        var ok = await HealthCheck.WaitAsync(proto, HealthCheckOptions.ForCommand("sh", "-c", $"test -f '{flag}' || {{ touch '{flag}'; exit 1; }}")
            with { Interval = TimeSpan.FromMilliseconds(100) });
        Assert.True(ok.Attempts > 1);
        Assert.Equal("exit 0", ok.Detail);

        var e = await Assert.ThrowsAsync<HealthCheckTimeoutException>(() => HealthCheck.WaitAsync(proto,
            HealthCheckOptions.ForCommand("sh", "-c", "echo not yet; exit 3") with { Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromMilliseconds(400) }));
        Assert.Contains("exit 3: not yet", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => HealthCheck.WaitAsync(proto, new HealthCheckOptions()));
    }
}
