using Rmote.Deploy;
using Rmote.Fleet;

namespace Rmote.Operations.Tests;

/// <summary>
/// The one-line texts every front end prints (MSBuild's summary line, the Cake and Nuke result tables): each outcome
/// carries its own, so the three cannot say "written" in one place and "wrote" in another.
/// </summary>
public sealed class OutcomeSummaryTests
{
    static CopyResult Copied(int copied, int unchanged, TimeSpan duration) => new()
    {
        Host = "web01", DestinationFolder = "/srv/app/releases/r2", CopiedFiles = [.. Enumerable.Range(0, copied).Select(i => $"f{i}")],
        DeletedFiles = [], Skipped = unchanged, BytesSent = 3 * 1048576 / 2, Duration = duration,
    };

    [Fact]
    public void A_copy_says_what_it_sent_and_what_was_unchanged()
    {
        Assert.Equal("copied 2, unchanged 1, deleted 0, 1.50 MiB", new CopyOutcome { Copy = Copied(2, 1, TimeSpan.Zero) }.Summary);
        Assert.Equal("up to date, no change (3 file(s) unchanged)", new CopyOutcome { Copy = Copied(0, 3, TimeSpan.Zero) }.Summary);
        Assert.Contains("unchanged 1,", Copied(2, 1, TimeSpan.Zero).ToString());
    }

    [Fact]
    public void A_release_copy_names_the_release_the_switch_and_the_prune()
    {
        var copy = Copied(2, 1, TimeSpan.FromSeconds(4));
        var release = new ReleaseDeployResult
        {
            Host = "web01", ReleaseId = "r2", Prepared = new ReleasePrepared("/srv/app/releases/r2", "r1", 1, 0), Copy = copy,
            Switched = new ReleaseSwitched("r1", "r2"), Pruned = ["r0"],
        };
        Assert.Equal("release r2: copied 2, unchanged 1, deleted 0, 1.50 MiB; current r1 -> r2; pruned 1", new CopyOutcome { Copy = copy, Release = release }.Summary);
        Assert.Equal("release r2: copied 2, unchanged 1, deleted 0, 1.50 MiB; not switched", new CopyOutcome { Copy = copy, Release = release with { Switched = null, Pruned = [] } }.Summary);
        Assert.Equal("release r2: copied 2, unchanged 1, deleted 0, 1.50 MiB; current -> r2",
            new CopyOutcome { Copy = copy, Release = release with { Switched = new ReleaseSwitched(null, "r2"), Pruned = [] } }.Summary);
    }

    [Fact]
    public void The_result_table_shows_the_copys_own_time_not_the_last_release_steps()
    {
        var copy = new CopyOutcome { Copy = Copied(1, 0, TimeSpan.FromSeconds(4.25)) };
        var result = new FleetResult<CopyOutcome>(
            [new HostResult<CopyOutcome> { Host = "web01", Status = HostStatus.Succeeded, Value = copy, Duration = TimeSpan.FromSeconds(0.02) }],
            TimeSpan.FromSeconds(5), null);
        var table = FailureText.Table(result);
        Assert.Contains("web01  succeeded  4.25 s  copied 1, unchanged 0, deleted 0, 1.50 MiB", table);
        Assert.Equal(TimeSpan.FromSeconds(4.25), StepOutcome.Time(result["web01"]));
    }

    [Fact]
    public void Exec_template_service_health_and_release_outcomes_have_one_text_each()
    {
        Assert.Equal("exit 0", new ExecOutcome { Host = "h", ExitCode = 0, Output = [] }.Summary);
        Assert.Equal("exit 3 (ignored)", new ExecOutcome { Host = "h", ExitCode = 3, Output = [] }.Summary);
        Assert.Equal("wrote /etc/app.conf", new TemplateOutcome { Path = "/etc/app.conf", Changed = true }.Summary);
        Assert.Equal("unchanged /etc/app.conf", new TemplateOutcome { Path = "/etc/app.conf" }.Summary);
        Assert.Equal("healthy (HTTP 200) after 2 attempt(s)", new HealthCheckResult(2, TimeSpan.FromSeconds(1), "HTTP 200").Summary);
        var units = new ServiceRestartOutcome([new Tools.ServiceResult { Status = new Tools.ServiceStatus { Unit = "app.service", ActiveState = "active", MainPid = 42 } }]);
        Assert.Equal("restarted app.service active (pid 42)", units.Summary);
        Assert.Equal("reloaded app.service active (pid 42)", (units with { Reloaded = true }).Summary);
        Assert.Equal("current r2 -> r1", StepOutcome.Summary(new ReleaseSwitched("r2", "r1")));
    }

    [Fact]
    public void A_failed_step_names_each_failed_host_and_its_cause_then_the_table()
    {
        var result = new FleetResult<ExecOutcome>(
        [
            new HostResult<ExecOutcome> { Host = "web01", Status = HostStatus.Succeeded, Value = new ExecOutcome { Host = "web01", ExitCode = 0, Output = [] } },
            new HostResult<ExecOutcome> { Host = "web02", Status = HostStatus.Failed, Error = new InvalidOperationException("boom\nsecond line") },
        ], TimeSpan.FromSeconds(1), null);
        var text = FailureText.For("RmoteExec", result);
        Assert.StartsWith("RmoteExec failed on 1 of 2 host(s):\n  web02: failed - boom\n    second line\n\nHOST", text);
        Assert.Contains("web01  succeeded", text);
        Assert.Contains("exit 0", text);
    }
}
