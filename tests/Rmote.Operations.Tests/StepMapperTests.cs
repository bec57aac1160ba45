using Rmote.Deploy;
using Rmote.Fleet;

namespace Rmote.Operations.Tests;

/// <summary>
/// The one mapping from a step as MSBuild, Cake and Nuke state it to the request its operation runs. Each front end
/// only copies its parameters into these step records, so what is asserted here holds for all three.
/// </summary>
public sealed class StepMapperTests : IDisposable
{
    // A copy source must exist (CopySource checks): a project folder with "publish" and "p" in it.
    readonly string project = Directory.CreateTempSubdirectory("rmote-ops-project-").FullName;

    public StepMapperTests()
    {
        Directory.CreateDirectory(Path.Combine(project, "publish"));
        Directory.CreateDirectory(Path.Combine(project, "p"));
    }

    public void Dispose() => Directory.Delete(project, true);

    [Fact]
    public void A_copy_with_only_a_source_and_destination_gets_every_default_once()
    {
        var r = StepMapper.Copy(new CopyStep { SourceFolder = "publish", DestinationFolder = " /srv/app " }, project);
        Assert.Equal(Path.Combine(project, "publish"), r.Source.Folder);
        Assert.Equal("/srv/app", r.Options.DestinationFolder);
        Assert.Equal(CompareMode.SizeAndTime, r.Options.Compare);
        Assert.True(r.Options.Delta);
        Assert.False(r.Options.DeleteExtraneous || r.Options.Compress || r.Options.VerifyChecksum || r.Options.AllowDangerousDestination);
        Assert.Null(r.Options.FileMode);
        Assert.Null(r.Options.DirectoryMode);
        Assert.False(r.UseReleases);
        Assert.Null(r.ReleaseId);
        Assert.Equal(5, r.KeepReleases);
        Assert.Null(r.LockWait);          // the releases' own 60 s
        Assert.Equal(0, r.Retries);
        Assert.Equal(TimeSpan.FromSeconds(1), r.RetryDelay);
    }

    [Fact]
    public void A_copy_maps_every_parameter()
    {
        var r = StepMapper.Copy(new CopyStep
        {
            SourceFolder = "~", DestinationFolder = "/srv/app", SkipUnchangedFiles = false, DeleteExtraneous = true, Compress = true,
            WholeFile = true, FileMode = "0640", DirectoryMode = "0o750", Owner = " www ", Group = "", VerifyChecksum = true, ReleaseId = "v2",
            KeepReleases = 3, LockTimeout = TimeSpan.FromSeconds(9), Retries = 2, RetryDelay = TimeSpan.FromMilliseconds(250),
        }, project);
        Assert.Equal(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), r.Source.Folder);
        Assert.Equal(CompareMode.Checksum, r.Options.Compare);
        Assert.False(r.Options.Delta);
        Assert.True(r.Options.DeleteExtraneous && r.Options.Compress && r.Options.VerifyChecksum);
        Assert.Equal((UnixFileMode)0x1A0, r.Options.FileMode);       // 0640
        Assert.Equal((UnixFileMode)0x1E8, r.Options.DirectoryMode);  // 0750
        Assert.Equal("www", r.Options.Owner);
        Assert.Null(r.Options.Group);
        Assert.True(r.UseReleases);                                    // implied by the id
        Assert.Equal("v2", r.ReleaseId);
        Assert.Equal(3, r.KeepReleases);
        Assert.Equal(TimeSpan.FromSeconds(9), r.LockWait);
        Assert.Equal(2, r.Retries);
        Assert.Equal(TimeSpan.FromMilliseconds(250), r.RetryDelay);
    }

    [Fact]
    public void A_release_copy_without_an_id_gets_one_id_for_every_host_before_it_runs()
    {
        var r = StepMapper.Copy(new CopyStep { SourceFolder = "p", DestinationFolder = "/srv/app", UseReleases = true }, project);
        Assert.True(r.UseReleases);
        Assert.Equal(r.ReleaseId, Releases.ValidateId(r.ReleaseId!));
    }

    [Fact]
    public void Copy_files_are_resolved_against_the_project_folder_and_keep_their_destination_paths()
    {
        var r = StepMapper.Copy(new CopyStep { SourceFiles = [new CopyItem("bin/app.dll", "app.dll"), new CopyItem("/abs/x.txt", "cfg/x.txt")], DestinationFolder = "/srv/app" }, project);
        Assert.Equal([new CopyItem(Path.Combine(project, "bin/app.dll"), "app.dll"), new CopyItem("/abs/x.txt", "cfg/x.txt")], r.Source.Items);
    }

    [Theory]
    [InlineData(null, null, "Give SourceFiles or SourceFolder: there is nothing to copy.")]
    [InlineData("p", "", "DestinationFolder is not set.")]
    [InlineData("p", "/", "DestinationFolder '/' is the host's root folder: refusing to deploy there")]
    [InlineData("p", "/srv/", "DestinationFolder '/srv/' is the top-level system folder /srv")]
    public void A_copy_that_cannot_run_fails_before_anything_connects_naming_the_parameter(string? source, string? destination, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => StepMapper.Copy(new CopyStep { SourceFolder = source, DestinationFolder = destination }, project));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void A_dangerous_destination_passes_only_when_allowed()
    {
        var r = StepMapper.Copy(new CopyStep { SourceFolder = "p", DestinationFolder = "/srv", AllowDangerousDestination = true }, project);
        Assert.True(r.Options.AllowDangerousDestination);
    }

    [Theory]
    [InlineData("FileMode", "0999")]
    [InlineData("DirectoryMode", "rwx")]
    public void A_bad_copy_mode_names_its_parameter(string parameter, string mode)
    {
        var step = new CopyStep { SourceFolder = "p", DestinationFolder = "/srv/app" };
        step = parameter == "FileMode" ? step with { FileMode = mode } : step with { DirectoryMode = mode };
        Assert.Equal(parameter, Assert.Throws<ArgumentException>(() => StepMapper.Copy(step, project)).ParamName);
    }

    [Fact]
    public void Negative_retries_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => StepMapper.Copy(new CopyStep { SourceFolder = "p", DestinationFolder = "/srv/app", Retries = -1 }, project));
        Assert.StartsWith("Retries must not be negative (was -1).", e.Message);
    }

    [Fact]
    public void A_command_line_is_split_with_quotes_and_run_without_a_shell()
    {
        var r = StepMapper.Exec(new ExecStep { Command = "dotnet 'My App.dll' --name \"a b\"", NoShell = true });
        Assert.Equal(["dotnet", "My App.dll", "--name", "a b"], r.Command);
        Assert.Null(r.ShellCommand);
        Assert.Equal("dotnet My App.dll --name a b", r.Display);
    }

    [Fact]
    public void An_exec_maps_its_parameters_and_defaults()
    {
        Environment.SetEnvironmentVariable("RMOTE_OPS_TEST_K", "s3cret");
        var r = StepMapper.Exec(new ExecStep
        {
            Command = "echo $X | tr a b", WorkingDirectory = " /srv ", EnvironmentVariables = new Dictionary<string, string> { ["X"] = "1" },
            SecretEnvironmentVariables = ["RMOTE_OPS_TEST_K"], Timeout = TimeSpan.FromSeconds(3),
        });
        Assert.Null(r.Command);
        Assert.Equal("echo $X | tr a b", r.ShellCommand);
        Assert.Equal("/srv", r.WorkingDirectory);
        Assert.Equal("s3cret", r.Environment!["RMOTE_OPS_TEST_K"]);
        Assert.Equal(["RMOTE_OPS_TEST_K"], r.SecretEnvironmentNames);
        Assert.Equal(TimeSpan.FromSeconds(3), r.Timeout);
        Assert.False(r.IgnoreExitCode);
        Assert.False(r.EchoOff || r.IgnoreStandardErrorWarningFormat);
        Assert.Null(r.CustomErrorRegularExpression);
        var argv = StepMapper.Exec(new ExecStep { Arguments = ["printf", "%s\n", "a b"], EnvironmentVariables = new Dictionary<string, string>() });
        Assert.Equal(["printf", "%s\n", "a b"], argv.Command);
        Assert.Null(argv.ShellCommand);
        Assert.Null(argv.Environment);
        Assert.Null(argv.Timeout);
    }

    [Fact]
    public void A_command_is_a_shell_line_as_in_msbuild_exec_and_echo_off_hides_it()
    {
        var r = StepMapper.Exec(new ExecStep { Command = "echo restarting; echo done | tr a-z A-Z", EchoOff = true, IgnoreStandardErrorWarningFormat = true,
            CustomErrorRegularExpression = "^FATAL", CustomWarningRegularExpression = "^WARN" });
        Assert.Equal("echo restarting; echo done | tr a-z A-Z", r.ShellCommand);
        Assert.Null(r.Command);
        Assert.Equal("...", r.Display);
        Assert.True(r.IgnoreStandardErrorWarningFormat);
        Assert.Equal(("^FATAL", "^WARN"), (r.CustomErrorRegularExpression, r.CustomWarningRegularExpression));
    }

    [Fact]
    public void A_custom_expression_that_does_not_parse_is_refused_by_name_before_anything_runs()
    {
        var e = Assert.Throws<ArgumentException>(() => StepMapper.Exec(new ExecStep { Command = "true", CustomErrorRegularExpression = "error(" }));
        Assert.StartsWith("CustomErrorRegularExpression 'error(' is not a valid regular expression: ", e.Message);
        Assert.Contains("Fix the expression", e.Message);
        var w = Assert.Throws<ArgumentException>(() => StepMapper.Exec(new ExecStep { Command = "true", CustomWarningRegularExpression = "[" }));
        Assert.StartsWith("CustomWarningRegularExpression '[' is not a valid regular expression: ", w.Message);
    }

    [Fact]
    public void Relative_remote_paths_are_under_the_deploy_folder_or_refused_with_the_fix()
    {
        const string Deploy = "/srv/app";
        Assert.Equal("/srv/app/eco/rel.conf", StepMapper.Template(new TemplateStep { Template = "x", DestinationFile = "eco/rel.conf", DeployFolder = Deploy }, project).Path);
        Assert.Equal("/srv/app/current", StepMapper.Exec(new ExecStep { Command = "true", WorkingDirectory = "./current", DeployFolder = Deploy + "/" }).WorkingDirectory);
        Assert.Equal("/srv/app/web", StepMapper.Copy(new CopyStep { SourceFolder = "p", DestinationFolder = "web", DeployFolder = Deploy }, project).Options.DestinationFolder);
        Assert.Equal("/srv/other", StepMapper.ReleaseSwitch(new ReleaseSwitchStep { BaseFolder = "../other", ReleaseId = "r1", DeployFolder = Deploy }).BaseFolder);
        Assert.Equal("~/apps/app", StepMapper.Rollback(new RollbackStep { BaseFolder = "app", DeployFolder = "~/apps" }).BaseFolder);
        // Absolute paths and the home folder stated on purpose stay as written.
        Assert.Equal("/etc/app.conf", StepMapper.Template(new TemplateStep { Template = "x", DestinationFile = "/etc/app.conf", DeployFolder = Deploy }, project).Path);
        Assert.Equal("~/app.conf", StepMapper.Template(new TemplateStep { Template = "x", DestinationFile = "~/app.conf" }, project).Path);

        var none = Assert.Throws<ArgumentException>(() => StepMapper.Template(new TemplateStep { Template = "x", DestinationFile = "eco/rel.conf" }, project));
        Assert.StartsWith("DestinationFile 'eco/rel.conf' is a relative path and there is no deploy folder to put it under (the host would write it under "
            + "the login user's home folder). Give an absolute path (such as /srv/app/eco/rel.conf), ~/eco/rel.conf to mean the home folder, or set DeployFolder", none.Message);
        var cwd = Assert.Throws<ArgumentException>(() => StepMapper.Exec(new ExecStep { Command = "true", WorkingDirectory = "current" }));
        Assert.StartsWith("WorkingDirectory 'current' is a relative path", cwd.Message);
        var relativeBase = Assert.Throws<ArgumentException>(() => StepMapper.Rollback(new RollbackStep { BaseFolder = "app", DeployFolder = "apps" }));
        Assert.StartsWith("DeployFolder 'apps' must be an absolute path on the hosts (or start with ~/): BaseFolder 'app' is resolved against it.", relativeBase.Message);
        var user = Assert.Throws<ArgumentException>(() => StepMapper.Exec(new ExecStep { Command = "true", WorkingDirectory = "~bob/x", DeployFolder = Deploy }));
        Assert.StartsWith("WorkingDirectory '~bob/x': only ~/ (the login user's home folder) is expanded on the hosts.", user.Message);
    }

    [Theory]
    [InlineData(null, null, false, "Give Command (a shell line) or Arguments (program and arguments): there is nothing to run.")]
    [InlineData("a", "b", false, "Give Command (a shell line) or Arguments (program and arguments), not both.")]
    [InlineData(null, "x 'y", true, "Command 'x 'y' has an unclosed ' quote.")]
    [InlineData("a", null, true, "NoShell splits Command; Arguments never runs a shell: drop NoShell.")]
    public void An_exec_that_cannot_run_is_an_argument_error(string? argv0, string? command, bool noShell, string message)
    {
        var step = new ExecStep { Arguments = argv0 is null ? null : [argv0], Command = command, NoShell = noShell };
        Assert.StartsWith(message, Assert.Throws<ArgumentException>(() => StepMapper.Exec(step)).Message);
    }

    [Fact]
    public void A_template_mode_is_checked_locally_and_sent_in_one_form()
    {
        var r = StepMapper.Template(new TemplateStep
            { Template = "x=${x}", DestinationFile = "/etc/app/app.conf", FileMode = "0o640", Variables = new Dictionary<string, object?> { ["x"] = 1 } },
            project);
        Assert.Equal("0640", r.Mode);
        Assert.Equal("/etc/app/app.conf", r.Path);
        Assert.Equal("x=${x}", r.Text);
        Assert.Null(r.LocalFile);
        Assert.Equal("FileMode", Assert.Throws<ArgumentException>(() => StepMapper.Template(new TemplateStep { Template = "x", DestinationFile = "/f", FileMode = "644x" }, project)).ParamName);
        Assert.Null(StepMapper.Template(new TemplateStep { Template = "x", DestinationFile = "/f" }, project).Mode);
    }

    [Fact]
    public void A_template_file_is_resolved_against_the_project_folder_and_must_exist()
    {
        Environment.SetEnvironmentVariable("RMOTE_OPS_TEST_TPL", "v");
        var dir = Directory.CreateTempSubdirectory("rmote-ops-tpl-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "app.tmpl"), "a");
            var r = StepMapper.Template(new TemplateStep
                { TemplateFile = "app.tmpl", DestinationFile = "/f", SecretVariables = new Dictionary<string, string> { ["k"] = "RMOTE_OPS_TEST_TPL" } },
                dir);
            Assert.Equal(Path.Combine(dir, "app.tmpl"), r.LocalFile);
            Assert.Equal(["k"], r.SecretVariableNames);
            Assert.Equal("v", r.Variables["k"]);
            var e = Assert.Throws<ArgumentException>(() => StepMapper.Template(new TemplateStep { TemplateFile = "missing.tmpl", DestinationFile = "/f" }, dir));
            Assert.StartsWith("TemplateFile 'missing.tmpl' does not exist", e.Message);
            Assert.StartsWith("Give Template (text) or TemplateFile, exactly one.",
                Assert.Throws<ArgumentException>(() => StepMapper.Template(new TemplateStep { Template = "x", TemplateFile = "app.tmpl", DestinationFile = "/f" }, dir)).Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_service_restart_gets_its_defaults_and_drops_blank_names()
    {
        var r = StepMapper.ServiceRestart(new ServiceRestartStep { ServiceNames = [" app ", "", "nginx"] });
        Assert.Equal(["app", "nginx"], r.Names);
        Assert.False(r.Reload);
        Assert.Equal(TimeSpan.FromSeconds(30), r.Timeout);
        Assert.Equal(20, r.JournalLines);
        Assert.StartsWith("Give ServiceName: the unit(s) to restart.", Assert.Throws<ArgumentException>(() => StepMapper.ServiceRestart(new ServiceRestartStep { ServiceNames = [" "] })).Message);
        Assert.StartsWith("Timeout must be positive.", Assert.Throws<ArgumentException>(
            () => StepMapper.ServiceRestart(new ServiceRestartStep { ServiceNames = ["a"], Timeout = TimeSpan.Zero })).Message);
    }

    [Fact]
    public void Release_switch_and_rollback_validate_ids_and_keep_all_releases_unless_told()
    {
        var s = StepMapper.ReleaseSwitch(new ReleaseSwitchStep { BaseFolder = "/srv/app", ReleaseId = " r2 ", KeepReleases = 0 });
        Assert.Equal("r2", s.ReleaseId);
        Assert.Null(s.Keep);
        Assert.Equal(3, StepMapper.ReleaseSwitch(new ReleaseSwitchStep { BaseFolder = "/srv/app", ReleaseId = "r2", KeepReleases = 3 }).Keep);
        Assert.Throws<ArgumentException>(() => StepMapper.ReleaseSwitch(new ReleaseSwitchStep { BaseFolder = "/srv/app", ReleaseId = "../x" }));
        Assert.StartsWith("ReleaseId is not set.", Assert.Throws<ArgumentException>(() => StepMapper.ReleaseSwitch(new ReleaseSwitchStep { BaseFolder = "/srv/app" })).Message);
        var back = StepMapper.Rollback(new RollbackStep { BaseFolder = "/srv/app", ToRelease = " ", LockTimeout = TimeSpan.FromSeconds(2) });
        Assert.Null(back.To);
        Assert.Equal(TimeSpan.FromSeconds(2), back.LockWait);
        Assert.Equal("r1", StepMapper.Rollback(new RollbackStep { BaseFolder = "/srv/app", ToRelease = "r1" }).To);
    }

    [Fact]
    public void A_health_wait_gets_its_defaults_and_needs_exactly_one_probe()
    {
        var h = StepMapper.WaitForHealthy(new WaitForHealthyStep { Url = "http://127.0.0.1:8080/health", ExpectedStatusCodes = [] });
        Assert.Equal([200], h.ExpectedStatusCodes);
        Assert.Equal(TimeSpan.FromSeconds(1), h.Interval);
        Assert.Equal(TimeSpan.FromSeconds(60), h.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(5), h.AttemptTimeout);
        Assert.Equal(["test", "-f", "x"], StepMapper.WaitForHealthy(new WaitForHealthyStep { Command = ["test", "-f", "x"] }).Command);
        Assert.StartsWith("Give Url or Command, exactly one.", Assert.Throws<ArgumentException>(() => StepMapper.WaitForHealthy(new WaitForHealthyStep())).Message);
        Assert.StartsWith("Give Url or Command, exactly one.", Assert.Throws<ArgumentException>(
            () => StepMapper.WaitForHealthy(new WaitForHealthyStep { Url = "http://x", Command = ["true"] })).Message);
    }

    [Fact]
    public void Fan_out_options_get_their_defaults_once()
    {
        var o = StepMapper.FanOut(null, null, null, null);
        Assert.Equal(new FleetOptions(), o);
        var set = StepMapper.FanOut(4, "25%", FailurePolicy.MaxFailurePercentage, 30);
        Assert.Equal(4, set.MaxParallel);
        Assert.Equal(BatchSize.Parse("25%"), set.Serial);
        Assert.Equal(30, set.MaxFailurePercentage);
        Assert.StartsWith("MaxParallel must be at least 1 (was 0).", Assert.Throws<ArgumentException>(() => StepMapper.FanOut(0, null, null, null)).Message);
    }

    [Fact]
    public void Steps_that_wait_on_the_host_get_that_wait_plus_a_grace_as_their_bound()
    {
        var generic = TimeSpan.FromSeconds(100);
        Assert.Equal(TimeSpan.FromSeconds(13), StepBounds.For(StepMapper.Exec(new ExecStep { Command = "x", Timeout = TimeSpan.FromSeconds(3) }), generic));
        Assert.Null(StepBounds.For(StepMapper.Exec(new ExecStep { Arguments = ["x"] }), generic));
        Assert.Equal(TimeSpan.FromSeconds(70), StepBounds.For(StepMapper.ServiceRestart(new ServiceRestartStep { ServiceNames = ["a", "b"] }), generic));
        Assert.Equal(TimeSpan.FromSeconds(75), StepBounds.For(StepMapper.WaitForHealthy(new WaitForHealthyStep { Url = "http://x" }), generic));
        Assert.Equal(generic, StepBounds.For(StepMapper.Rollback(new RollbackStep { BaseFolder = "/srv/app" }), generic));
    }
}
