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
        // The server drops its first request unanswered, so the first attempt fails (refused before the server is up,
        // or dropped) whatever the timing; its stream is cancelled at the end, which kills it on the remote.
        var script = dir.Combine("server.py");
        File.WriteAllText(script, """
            import functools, http.server, sys
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])
            server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), handler)
            server.socket.accept()[0].close()
            server.serve_forever()
            """);
        var server = Task.Run(async () =>
        {
            await foreach (var _ in proto.StreamAsync(Exec.Stream, new ExecStreamOptions("python3", script, $"{port}", dir.Path), stop.Token)) { }
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
    public async Task A_host_that_never_answers_fails_the_check_at_its_deadline_instead_of_hanging()
    {
        await using var proto = await Protocol.FromSubprocessAsync();
        await proto.CallAsync(Exec.Command, new ExecOptions("true"));
        // A frozen host: the runtime is stopped, so no attempt is ever answered (its own limit never runs either).
        Assert.True(ProcessTree.Signal(proto.Info.Pid, ProcessTree.SIGSTOP));
        try
        {
            var e = await Assert.ThrowsAsync<HealthCheckTimeoutException>(() => HealthCheck.WaitAsync(proto,
                HealthCheckOptions.ForCommand("true") with { Timeout = TimeSpan.FromSeconds(1), AttemptTimeout = TimeSpan.FromSeconds(1) })
                .WaitAsync(TimeSpan.FromSeconds(60)));  // a hang guard: its TimeoutException is not the exception expected
            Assert.Contains("no answer from the host within", e.Message);
            Assert.Contains("(1 attempt(s))", e.Message);
        }
        finally
        {
            ProcessTree.Signal(proto.Info.Pid, ProcessTree.SIGCONT);
        }
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
