using Rmote.Nuke;
using Rmote.Nuke.Tests.Support;
using Rmote.TestRig;

namespace Rmote.Nuke.Tests;

/// <summary>Rmote.Nuke's tasks with <c>SetWhatIf(true)</c> against the rig's sshd hosts: each task logs its plan, nothing on the hosts changes.</summary>
[Collection("ssh")]
public sealed class NukeWhatIfTests(SshFleetFixture rig, ITestOutputHelper output)
{
    T Conn<T>(T s) where T : RmoteSettings => s
        .SetHosts(rig.Hosts.Select(h => h.Target))
        .SetIdentity(rig.Fleet.IdentityFile)
        .SetKnownHostsFile(rig.Fleet.KnownHostsFile);

    [Fact]
    public void WhatIf_tasks_log_each_hosts_plan_and_leave_every_deploy_base_as_it_was()
    {
        using var dir = new TempDir("rmote-nuke-whatif-");
        var name = "nuke-whatif-" + Guid.NewGuid().ToString("n")[..8];
        var dest = "/srv/" + name;
        dir.WriteFile("site/index.html", "v1");
        dir.WriteFile("site/old.html", "old page");
        var tpl = dir.WriteFile("app.conf.tpl", "port=${port}\nname=demo\n");
        void Deploy(string release, int port, bool whatIf)
        {
            RmoteTasks.RmoteCopy(s => Conn(s).SetWhatIf(whatIf).SetSourceFolder(dir.Combine("site")).SetDestinationFolder(dest)
                .EnableUseReleases().SetReleaseId(release).SetKeepReleases(3));
            RmoteTasks.RmoteTemplate(s => Conn(s).SetWhatIf(whatIf).SetTemplateFile(tpl).SetDestinationFile(dest + "/app.conf").AddVariables("port", port));
            RmoteTasks.RmoteExec(s => Conn(s).SetWhatIf(whatIf).SetCommand($"touch {dest}/ran"));
            if (whatIf) RmoteTasks.RmoteServiceRestart(s => Conn(s).EnableWhatIf().SetServiceNames("app.service"));
        }
        using var capture = SerilogCapture.Install();
        List<string> before;
        try
        {
            Deploy("r1", 80, whatIf: false);
            dir.WriteFile("site/index.html", "version two");
            File.Delete(dir.Combine("site", "old.html"));
            before = rig.Hosts.Select(h => TreeSnapshot.WithMetadata(Path.Combine(h.SrvRoot, name))).ToList();
            Deploy("r2", 8080, whatIf: true);
        }
        finally
        {
            RmoteTasks.RmoteDisconnect();
        }
        var text = capture.Text;
        output.WriteLine(text);

        Assert.Equal(before, rig.Hosts.Select(h => TreeSnapshot.WithMetadata(Path.Combine(h.SrvRoot, name))));
        var hosts = string.Join(", ", rig.Hosts.Select(h => h.Target));
        Assert.Contains("WhatIf RmoteCopy: nothing was changed on the hosts", text);
        Assert.Contains($"  {hosts}: release r2 would become current (now r1); would copy 1 file(s) (11 bytes), delete 1 (8 bytes), 0 unchanged", text);
        Assert.Contains("    copy   index.html (11 bytes)", text);
        Assert.Contains("    delete old.html (8 bytes)", text);
        Assert.Contains($"  {hosts}: would change {dest}/app.conf", text);
        Assert.Contains("    -port=80", text);
        Assert.Contains("    +port=8080", text);
        Assert.Contains($"  {hosts}: would run: touch {dest}/ran", text);
        Assert.Contains($"  {hosts}: would restart app.service", text);
    }
}
