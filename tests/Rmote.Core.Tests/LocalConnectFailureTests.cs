using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Core.Tests;

/// <summary>Start-up failures through local commands: each gives a clear error that names the cause.</summary>
public sealed class LocalConnectFailureTests
{
    static readonly string Python = "python3";

    [Fact]
    public async Task A_banner_before_the_runtime_is_skipped()
    {
        await using var proto = await Protocol.FromCommandAsync(["sh", "-c", "echo 'Welcome to prod!'; printf 'no newline junk'; exec \"$@\"", "sh", Python]);
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task A_200_KB_banner_is_skipped_with_the_default_bound()
    {
        // More than one pipe segment of banner: the skipped text must be read before its segments are released (it was
        // read after, and this connect spun without end, growing to GBs; the bound turns a regression into a failure).
        var log = new CapturingLogger();
        await using var proto = await Protocol.FromCommandAsync(["sh", "-c", "head -c 200000 /dev/zero | tr '\\0' '#'; echo; exec \"$@\"", "sh", Python],
            new ProtocolOptions { Logger = log }).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
        Assert.Contains(log.Entries, e => e.Message.Contains("skipped 200001 bytes before the ready marker: ####", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MaxBannerBytes_bounds_the_login_output()
    {
        var error = await Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromCommandAsync(
            ["sh", "-c", "head -c 20000 /dev/zero | tr '\\0' '#'; exec \"$@\"", "sh", Python], new ProtocolOptions { MaxBannerBytes = 10000 }));
        Assert.Equal(ConnectFailure.NoReadyMarker, error.Reason);
        Assert.Contains("more than 10000 bytes", error.Message);
        Assert.Contains("ProtocolOptions.MaxBannerBytes", error.Message);
    }

    [Fact]
    public async Task A_login_script_reading_stdin_is_named_with_the_fix()
    {
        var error = await Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromCommandAsync(
            ["sh", "-c", "dd bs=1 count=100 of=/dev/null 2>/dev/null; exec \"$@\"", "sh", Python]));
        Assert.Equal(ConnectFailure.BootstrapFailed, error.Reason);
        Assert.Contains("login script", error.Message);
        Assert.Contains("read from stdin", error.Message);
        Assert.Contains("[ -t 0 ] || return", error.Message);
    }

    [Fact]
    public async Task A_missing_interpreter_names_the_fix()
    {
        var error = await Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromSubprocessAsync(new ProtocolOptions { Python = "python3.99-missing" }));
        Assert.Equal(ConnectFailure.TransportNotFound, error.Reason);
        Assert.Contains("python3.99-missing", error.Message);
    }

    [Fact]
    public async Task An_interpreter_missing_behind_a_shell_is_reported_as_python_not_found()
    {
        var error = await Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromCommandAsync(["sh", "-c", "exec python3.99-missing \"$@\"", "sh"]));
        Assert.Equal(ConnectFailure.PythonNotFound, error.Reason);
        Assert.Contains("Python = ", error.Message);
    }

    [Fact]
    public async Task A_crash_during_bootstrap_shows_the_remote_stderr()
    {
        var error = await Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromCommandAsync(
            ["sh", "-c", "echo 'Traceback (most recent call last):' >&2; echo 'ZeroDivisionError: boom' >&2; exit 1", "sh"]));
        Assert.Equal(ConnectFailure.BootstrapFailed, error.Reason);
        Assert.Contains("ZeroDivisionError: boom", error.Message);
        Assert.Equal(1, error.ExitCode);
    }

    [Fact]
    public async Task Endless_output_before_the_marker_is_bounded()
    {
        var error = await Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromCommandAsync(["sh", "-c", "yes 'login noise'", "sh"]));
        Assert.Equal(ConnectFailure.NoReadyMarker, error.Reason);
        Assert.Contains("login noise", error.Message);
    }

    [Fact]
    public async Task A_silent_remote_hits_the_connect_timeout()
    {
        var error = await Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromCommandAsync(["sh", "-c", "sleep 60", "sh"],
            new ProtocolOptions { ConnectTimeout = TimeSpan.FromSeconds(1) }));
        Assert.Equal(ConnectFailure.Timeout, error.Reason);
    }

    [Fact]
    public async Task A_process_that_is_not_python_gives_its_output()
    {
        var error = await Assert.ThrowsAsync<RemoteConnectException>(() => Protocol.FromCommandAsync(["sh", "-c", "echo not a python; exit 4", "sh"]));
        Assert.Equal(4, error.ExitCode);
        Assert.Contains("not a python", error.Message);
    }
}
