using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// <c>Sudo</c> and copy <c>Owner</c>/<c>Group</c> as a real server uses them: an unprivileged deploy user logs in over
/// SSH, and only with Sudo="true" runs as root, writes into a root-owned folder and hands the files to the app user.
/// </summary>
[Collection("msbuild-ssh")]
public sealed class SudoOwnerTests(PackedFeed feed)
{
    const string DeployUser = "rmote-deploy";

    [Fact]
    public async Task A_deploy_user_copies_into_a_root_folder_only_with_sudo_and_the_files_belong_to_the_owner_and_group_given()
    {
        // A private host: its folders' permissions change for the deploy user's login.
        await using var fleet = await SshFleet.StartAsync(1);
        var h = fleet[0];
        var deployUser = await SshLoginUser.EnsureAsync(fleet, DeployUser, sudoPython: true);
        try
        {
            var app = await LocalUser.EnsureAsync();
            var dest = HostPaths.NewRemote(h, "sudo");
            var local = HostPaths.Local(h, dest);
            Directory.CreateDirectory(local);   // root's, 0755: the deploy user cannot write here by itself
            var target = $"{DeployUser}@{h.HostName}:{h.Port}";
            using var p = new TestProject(feed, $"""
                  <ItemGroup>
                    <RmoteHost Include="{target}" Name="plain" IdentityFile="{h.IdentityFile}" KnownHostsFile="{h.KnownHostsFile}" ConnectionPersist="0" />
                    <SudoHost Include="{target}" Name="sudo" IdentityFile="{h.IdentityFile}" KnownHostsFile="{h.KnownHostsFile}" Sudo="true" ConnectionPersist="0" />
                  </ItemGroup>
                  <Target Name="Push">
                    <RmoteExec Hosts="@(RmoteHost)" ShellCommand="echo uid=`id -u`" />
                    <RmoteExec Hosts="@(SudoHost)" ShellCommand="echo uid=`id -u`" />
                    <RmoteCopy Hosts="@(RmoteHost)" SourceFolder="site" DestinationFolder="{dest}" ContinueOnError="ErrorAndContinue" />
                    <RmoteCopy Hosts="@(SudoHost)" SourceFolder="site" DestinationFolder="{dest}" Owner="{app.Name}" Group="{app.Name}" />
                  </Target>
                """);
            p.Write("site/index.html", "served by the app user");
            p.Write("site/css/app.css", "body{}");
            var logins = h.Logins();

            var r = await p.RunAsync("Push");
            var log = TestProject.Log(r);
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains($"plain: uid={deployUser.Uid}", log);
            Assert.Contains("sudo: uid=0", log);
            Assert.Matches("error RMT0004: plain: RmoteCopy failed: .*Permission denied", log);
            Assert.Contains("sudo: RmoteCopy: copied 2", log);
            Assert.Equal(logins + 2, h.Logins());
            Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(h.ReadLog(), $"Accepted publickey for {DeployUser} "));
            Assert.Equal("served by the app user", File.ReadAllText(Path.Combine(local, "index.html")));
            foreach (var f in new[] { "index.html", "css/app.css" })
                Assert.Equal($"{app.Name}:{app.Name}", await HostPaths.OwnerAsync(Path.Combine(local, f)));
        }
        finally
        {
            SshLoginUser.RemoveSudo(DeployUser);
        }
    }
}
