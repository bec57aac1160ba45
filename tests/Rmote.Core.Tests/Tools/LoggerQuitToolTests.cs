using Microsoft.Extensions.Logging;
using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Core.Tests.Tools;

/// <summary>Logger and Quit over a real local child and a real sshd host.</summary>
[Collection("ssh")]
public sealed class LoggerQuitToolTests(SshFleetFixture rig)
{
    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task Remote_log_records_reach_ILogger_at_the_remote_level(string transport)
    {
        var logger = new CapturingLogger();
        await using var t = await RemoteTarget.OpenAsync(transport, rig, logger, LogLevel.Information);
        var p = t.Proto;

        Assert.Equal(20, await p.CallAsync(Logger.GetLevel));
        await p.CallAsync(Logger.Log, "DEBUG", "hidden debug");
        await p.CallAsync(Logger.Log, "WARNING", "disk almost full");
        await p.CallAsync(Logger.LogTo, "ERROR", "deploy failed", "myapp.deploy");
        await p.CallAsync(Logger.Log, "WARNING", "literal 100% %s");
        await p.CallAsync(Logger.LogWith, new LogOptions("WARNING", "disk %s at %d%%", "/var", 91));
        await p.CallAsync(Logger.LogWith, new LogOptions("ERROR", "%s rolled back", "release 7") { Logger = "myapp.deploy" });
        var bad = await Assert.ThrowsAsync<RemoteArgumentException>(() => p.CallAsync(Logger.LogWith, new LogOptions("INFO", "%s and %s", "one")));
        Assert.Contains("does not fit its 1 argument", bad.Message);

        Assert.Equal(20, await p.CallAsync(Logger.SetLevel, Logger.PythonLevel(LogLevel.Debug)));
        Assert.Equal(10, await p.CallAsync(Logger.GetLevel));
        await p.CallAsync(Logger.Log, "10", "now visible");
        await Assert.ThrowsAsync<RemoteArgumentException>(() => p.CallAsync(Logger.SetLevel, "LOUD"));

        // LOG frames are sent before the call's RESULT on the same ordered stream, so they are already here.
        var entries = logger.Entries.ToList();
        Assert.Contains(entries, e => e.Level == LogLevel.Warning && e.Message.Contains("disk almost full"));
        Assert.Contains(entries, e => e.Level == LogLevel.Error && e.Message.Contains("deploy failed") && e.Message.Contains("myapp.deploy"));
        Assert.Contains(entries, e => e.Level == LogLevel.Debug && e.Message.Contains("now visible"));
        Assert.Contains(entries, e => e.Level == LogLevel.Warning && e.Message.Contains("literal 100% %s"));
        Assert.Contains(entries, e => e.Level == LogLevel.Warning && e.Message.Contains("disk /var at 91%"));
        Assert.Contains(entries, e => e.Level == LogLevel.Error && e.Message.Contains("release 7 rolled back") && e.Message.Contains("myapp.deploy"));
        Assert.DoesNotContain(entries, e => e.Message.Contains("hidden debug"));
    }

    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task Quit_answers_then_ends_the_connection(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var p = t.Proto;
        Assert.Equal("pong", await p.CallAsync(Diag.Ping));
        Assert.Null(await p.CallAsync(Quit.Exit, 0));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        Exception? error = null;
        while (error is null && DateTime.UtcNow < deadline)
        {
            try { await p.CallAsync(Diag.Ping); await Task.Delay(50); }
            catch (Exception e) { error = e; }
        }
        Assert.IsType<RemoteConnectionLostException>(error);
    }
}
