using System.Reflection;

namespace Rmote.Operations.Tests;

/// <summary>
/// One name per concept (docs/FRONT-ENDS.md): every parameter of a step record is a parameter of the MSBuild task, the
/// Cake settings and the Nuke settings under the same name, unless the front end takes it another way (listed here
/// with the reason). Cake and Nuke settings are read into the steps by name, so a drifted name would silently be lost.
/// </summary>
public sealed class FrontEndNamesTests
{
    // Parameters a front end takes in its own way: Cake's alias arguments, MSBuild's items
    // (HostVariables: RmoteHost metadata and HostGroups items), Nuke's and Cake's command line;
    // MSBuild's hooks are targets (RmoteBeforeSwitch, RmoteAfterRollback), Cake's and Nuke's callbacks.
    static readonly Dictionary<Type, (string[] MsBuild, string[] Cake, string[] Nuke)> TakenOtherwise = new()
    {
        [typeof(CopyStep)] = (["BeforeSwitch"], ["SourceFolder", "DestinationFolder", "SourceFiles"], ["SourceFiles"]),
        // MSBuild's Arguments item list is the argv (no NoShell to split Command); Cake's alias takes the command line, NoShell splits it.
        [typeof(ExecStep)] = (["NoShell"], ["Command", "Arguments"], []),
        [typeof(TemplateStep)] = (["SecretVariables", "HostVariables"], ["Template", "TemplateFile", "DestinationFile"], ["Template"]),
        [typeof(ServiceRestartStep)] = ([], ["ServiceNames"], []),
        [typeof(ReleaseSwitchStep)] = ([], ["BaseFolder", "ReleaseId"], []),
        [typeof(RollbackStep)] = (["AfterRollback"], ["BaseFolder"], []),
        [typeof(ListReleasesStep)] = ([], ["BaseFolder"], []),
        [typeof(WaitForHealthyStep)] = ([], ["Url", "Command"], []),
    };

    public static TheoryData<Type, Type, Type, Type> Steps => new()
    {
        { typeof(CopyStep), typeof(MSBuild.RmoteCopy), typeof(Cake.RmoteCopySettings), typeof(Nuke.RmoteCopySettings) },
        { typeof(ExecStep), typeof(MSBuild.RmoteExec), typeof(Cake.RmoteExecSettings), typeof(Nuke.RmoteExecSettings) },
        { typeof(TemplateStep), typeof(MSBuild.RmoteTemplate), typeof(Cake.RmoteTemplateSettings), typeof(Nuke.RmoteTemplateSettings) },
        { typeof(ServiceRestartStep), typeof(MSBuild.RmoteServiceRestart), typeof(Cake.RmoteServiceRestartSettings), typeof(Nuke.RmoteServiceRestartSettings) },
        { typeof(ReleaseSwitchStep), typeof(MSBuild.RmoteReleaseSwitch), typeof(Cake.RmoteReleaseSwitchSettings), typeof(Nuke.RmoteReleaseSwitchSettings) },
        { typeof(RollbackStep), typeof(MSBuild.RmoteRollback), typeof(Cake.RmoteRollbackSettings), typeof(Nuke.RmoteRollbackSettings) },
        { typeof(WaitForHealthyStep), typeof(MSBuild.RmoteWaitForHealthy), typeof(Cake.RmoteWaitForHealthySettings), typeof(Nuke.RmoteWaitForHealthySettings) },
        { typeof(ListReleasesStep), typeof(MSBuild.RmoteListReleases), typeof(Cake.RmoteListReleasesSettings), typeof(Nuke.RmoteListReleasesSettings) },
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public void Every_step_parameter_has_the_same_name_in_MSBuild_Cake_and_Nuke(Type step, Type msbuild, Type cake, Type nuke)
    {
        var (notMsBuild, notCake, notNuke) = TakenOtherwise[step];
        var missing = new List<string>();
        foreach (var p in step.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name))
        {
            // MSBuild gives durations in milliseconds (int) under the same name; Copy's RetryDelay follows MSBuild's Copy task.
            if (!notMsBuild.Contains(p) && msbuild.GetProperty(p) is null && msbuild.GetProperty(p + "Milliseconds") is null) missing.Add($"MSBuild {msbuild.Name}.{p}");
            if (!notCake.Contains(p) && !Has(cake, p)) missing.Add($"Cake {cake.Name}.{p}");
            if (!notNuke.Contains(p) && !Has(nuke, p)) missing.Add($"Nuke {nuke.Name}.{p}");
        }
        Assert.Empty(missing);
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void Cake_and_Nuke_settings_read_into_their_step_without_a_type_mismatch(Type step, Type msbuild, Type cake, Type nuke)
    {
        _ = msbuild;
        var read = typeof(StepParameters).GetMethod(nameof(StepParameters.From))!.MakeGenericMethod(step);
        foreach (var settings in new[] { Activator.CreateInstance(cake)!, Activator.CreateInstance(nuke)! })
        {
            read.Invoke(null, [settings, Array.Empty<string>()]);
        }
    }

    [Fact]
    public void Settings_read_by_name_carry_their_values_and_leave_defaults_alone()
    {
        var cake = new Cake.RmoteCopySettings { SkipUnchangedFiles = false, FileMode = "0640", LockTimeout = TimeSpan.FromSeconds(7), RetryDelay = TimeSpan.FromSeconds(2) };
        var fromCake = StepParameters.From<CopyStep>(cake);
        Assert.Equal((false, "0640", TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(2)), (fromCake.SkipUnchangedFiles, fromCake.FileMode, fromCake.LockTimeout, fromCake.RetryDelay));
        var nuke = new Nuke.RmoteCopySettings { SkipUnchangedFiles = false, FileMode = "0640", LockTimeout = TimeSpan.FromSeconds(7), RetryDelay = TimeSpan.FromSeconds(2) };
        var fromNuke = StepParameters.From<CopyStep>(nuke);
        Assert.Null(fromNuke.KeepReleases); // unset in Nuke: the mapper's default, as Cake's initialised 5
        // Both front ends' settings become the same request.
        var folder = AppContext.BaseDirectory;
        var a = StepMapper.Copy(fromCake with { SourceFolder = ".", DestinationFolder = "/srv/app" }, folder);
        var b = StepMapper.Copy(fromNuke with { SourceFolder = ".", DestinationFolder = "/srv/app" }, folder);
        Assert.Equal(a.Options, b.Options);
        Assert.Equal((a.UseReleases, a.KeepReleases, a.LockWait, a.Retries, a.RetryDelay), (b.UseReleases, b.KeepReleases, b.LockWait, b.Retries, b.RetryDelay));
        // A hidden base property: a service's Timeout is its wait, not the generic step limit.
        Assert.Equal(TimeSpan.FromSeconds(30), StepParameters.From<ServiceRestartStep>(new Cake.RmoteServiceRestartSettings()).Timeout);
    }

    // By name, not GetProperty: settings may hide a base property of that name (a service's Timeout), which GetProperty finds ambiguous.
    static bool Has(Type type, string name) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p => p.Name == name);
}
