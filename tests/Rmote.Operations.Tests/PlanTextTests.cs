using Rmote.Deploy;
using Rmote.Fleet;

namespace Rmote.Operations.Tests;

/// <summary>The WhatIf text every front end prints (<see cref="PlanText"/>), and the summaries of planned outcomes.</summary>
public sealed class PlanTextTests
{
    static FleetResult<T> Rows<T>(params (string Host, T Value)[] rows) =>
        new([.. rows.Select(r => new HostResult<T> { Host = r.Host, Status = HostStatus.Succeeded, Value = r.Value })], TimeSpan.Zero, null);

    static CopyOutcome Planned(string host, params PlannedFile[] copy) => new()
    {
        Copy = new CopyResult { Host = host, DestinationFolder = "/srv/app", CopiedFiles = [], DeletedFiles = [] },
        Plan = new StepPlan { Copy = new CopyPreview { DestinationFolder = "/srv/app", Copy = copy, Delete = [new PlannedFile("old.txt", 1)], Unchanged = 4 } },
    };

    [Fact]
    public void Hosts_with_the_same_plan_share_an_entry_and_each_file_has_its_size()
    {
        var text = PlanText.For("RmoteCopy", Rows(("web01", Planned("web01", new PlannedFile("app.dll", 1234))), ("web02", Planned("web02", new PlannedFile("app.dll", 1234))),
            ("web03", Planned("web03", new PlannedFile("app.dll", 99)))));
        Assert.Equal("""
            WhatIf RmoteCopy: nothing was changed on the hosts
              web01, web02: would copy 1 file(s) (1,234 bytes), delete 1 (1 byte), 4 unchanged
                copy   app.dll (1,234 bytes)
                delete old.txt (1 byte)
              web03: would copy 1 file(s) (99 bytes), delete 1 (1 byte), 4 unchanged
                copy   app.dll (99 bytes)
                delete old.txt (1 byte)
            """, text);
    }

    [Fact]
    public void A_step_that_ran_has_no_plan_text()
    {
        var ran = new CopyOutcome { Copy = new CopyResult { Host = "web01", DestinationFolder = "/srv/app", CopiedFiles = ["a"], DeletedFiles = [] } };
        Assert.Null(PlanText.For("RmoteCopy", Rows(("web01", ran))));
        Assert.Null(PlanText.For("RmoteRollback", Rows(("web01", new ReleaseSwitched("r2", "r1")))));
    }

    [Fact]
    public void Planned_outcomes_say_what_would_happen()
    {
        Assert.Equal("would run: systemctl daemon-reload, then restart app.service",
            new ExecOutcome { Host = "h", ExitCode = 0, Output = [], Plan = new StepPlan { Actions = ["run: systemctl daemon-reload", "restart app.service"] } }.Summary);
        Assert.Equal("release r2 would become current (now r1)", new ReleaseSwitched("r1", "r2") { Plan = new StepPlan { Release = new ReleasePlan("r2", "r1", []) } }.Summary);
        Assert.Equal("unchanged /etc/app.conf", new TemplateOutcome { Path = "/etc/app.conf", Plan = new StepPlan { Template = new TemplatePreview("/etc/app.conf", false, null, []) } }.Summary);
        var note = new StepPlan { Template = new TemplatePreview("/etc/app.conf", true, null, ["content differs (10 -> 12 bytes); no diff shown: the template has secret variables"]) };
        Assert.Equal(["content differs (10 -> 12 bytes); no diff shown: the template has secret variables"], note.Details());
    }
}
