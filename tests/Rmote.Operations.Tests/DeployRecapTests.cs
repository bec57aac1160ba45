using Rmote.Deploy;
using Rmote.Fleet;

namespace Rmote.Operations.Tests;

/// <summary>The recap every front end prints at the end of a deploy: Ansible's PLAY RECAP counts, per host, in one format.</summary>
public sealed class DeployRecapTests
{
    static CopyResult Copy(string host, int copied) => new()
    {
        Host = host, DestinationFolder = "/srv/app/releases/r2", CopiedFiles = [.. Enumerable.Range(0, copied).Select(i => $"f{i}")],
        DeletedFiles = [], Skipped = 1, BytesSent = 1048576, Duration = TimeSpan.FromSeconds(1),
    };

    static HostResult<T> Row<T>(string host, HostStatus status, T? value, double seconds) =>
        new() { Host = host, Status = status, Value = value, Duration = TimeSpan.FromSeconds(seconds), Reason = status == HostStatus.Succeeded ? null : "why" };

    static ExecOutcome Exit0(string host) => new() { Host = host, ExitCode = 0, Output = [] };

    [Fact]
    public void Each_host_counts_its_steps_by_outcome_with_its_release_and_the_steps_own_time()
    {
        var recap = new DeployRecap();
        var release = new ReleaseDeployResult
        {
            Host = "web01", ReleaseId = "r2", Prepared = new ReleasePrepared("/srv/app/releases/r2", "r1", 1, 0), Copy = Copy("web01", 2),
            Switched = new ReleaseSwitched("r1", "r2"), Pruned = [],
        };
        recap.Add(new FleetResult<CopyOutcome>([
            Row("web01", HostStatus.Succeeded, new CopyOutcome { Copy = Copy("web01", 2), Release = release }, 1.5),
            Row("web02", HostStatus.Succeeded, new CopyOutcome { Copy = Copy("web02", 0) }, 0.5),
            Row<CopyOutcome>("db01", HostStatus.Unreachable, null, 0),
        ], TimeSpan.FromSeconds(2), null));
        recap.Add(new FleetResult<ExecOutcome>([
            Row("web01", HostStatus.Succeeded, Exit0("web01"), 0.25),
            Row<ExecOutcome>("web02", HostStatus.Failed, null, 0.25),
            Row<ExecOutcome>("db01", HostStatus.Skipped, null, 0),
        ], TimeSpan.FromSeconds(1), null));
        recap.Add(new FleetResult<HealthCheckResult>([Row("web01", HostStatus.Succeeded, new HealthCheckResult(1, TimeSpan.Zero, "200"), 0.25)], TimeSpan.Zero, null));

        Assert.Equal(
        [
            "RECAP (3 step(s), 3 host(s))",
            "  web01 : ok=3   changed=2   failed=0   unreachable=0   skipped=0   release=r2  1.50 s",
            "  web02 : ok=1   changed=0   failed=1   unreachable=0   skipped=0   release=-   1.25 s",
            "  db01  : ok=0   changed=0   failed=0   unreachable=1   skipped=1   release=-   0.00 s",
        ], recap.Lines());
        recap.Clear();
        Assert.Empty(recap.Lines());
    }
}
