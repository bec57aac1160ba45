using Rmote.Fleet;
using Rmote.Nuke;

namespace Rmote.Nuke.Tests;

/// <summary>Nuke-style settings: every setter returns a new record of the same type and leaves the original alone.</summary>
public sealed class NukeSettingsTests
{
    [Fact]
    public void Setters_return_copies_of_the_derived_type()
    {
        var empty = new RmoteCopySettings();
        var s = empty
            .SetHosts("a", "b").AddHosts("local").RemoveHosts("b")
            .SetIdentity("~/.ssh/k").SetSshOptions("-J", "bastion")
            .SetSourceFolder("pub").SetDestinationFolder("/srv/app")
            .EnableUseReleases().SetKeepReleases(3)
            .SetFailurePolicy(FailurePolicy.StopOnFirst).SetSerial("25%");

        Assert.IsType<RmoteCopySettings>(s);
        Assert.Empty(empty.Hosts);
        Assert.Null(empty.UseReleases);
        Assert.Equal(["a", "local"], s.Hosts);
        Assert.Equal(["-J", "bastion"], s.SshOptions);
        Assert.True(s.UseReleases);
        Assert.Equal(3, s.KeepReleases);
        Assert.Equal(FailurePolicy.StopOnFirst, s.FailurePolicy);
        Assert.Null(s.ResetKeepReleases().DisableUseReleases().ClearHosts().KeepReleases);
        Assert.False(s.ToggleUseReleases().UseReleases);
    }

    [Fact]
    public void Dictionaries_and_lists_are_copied_not_shared()
    {
        var a = new RmoteExecSettings().AddEnvironmentVariables("A", "1");
        var b = a.AddEnvironmentVariables("B", "2").AddSecretEnvironmentVariables("C");
        Assert.Single(a.EnvironmentVariables);
        Assert.Equal(2, b.EnvironmentVariables.Count);
        Assert.Empty(a.SecretEnvironmentVariables);
        Assert.Empty(b.RemoveEnvironmentVariables("A").RemoveEnvironmentVariables("B").EnvironmentVariables);
        var t = new RmoteTemplateSettings().AddVariables("port", 80);
        var secret = t.SetSecretVariable("key", "APP_KEY");
        Assert.Empty(t.SecretVariables);
        Assert.Equal("APP_KEY", secret.SecretVariables["key"]);
        Assert.False(secret.Variables.ContainsKey("key"));
        Assert.Equal("OTHER_KEY", Assert.Single(secret.SetSecretVariable("key", "OTHER_KEY").SecretVariables).Value);
        Assert.Empty(secret.ClearSecretVariables().SecretVariables);
    }

    [Fact]
    public void Missing_required_values_fail_before_connecting_with_the_setter_to_use()
    {
        var e = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteExec(s => s.SetHosts("local")));
        Assert.Contains("SetCommand", e.Message);
        var bad = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteExec(s => s.SetHosts("user@host:99999").SetCommand("true")));
        Assert.Contains("invalid port", bad.Message);
        var none = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteExec(s => s.SetCommand("true")));
        Assert.Contains("No hosts given", none.Message);
    }

    [Fact]
    public void A_dangerous_destination_is_refused_before_connecting_unless_allowed()
    {
        using var src = new Rmote.TestRig.TempDir("rmote-nuke-danger-");
        src.WriteFile("index.html", "x");
        // Port 1 answers nobody: an attempt to connect would fail as "unreachable" instead.
        var settings = new RmoteCopySettings().SetHosts("root@127.0.0.1:1").SetConnectTimeout(TimeSpan.FromSeconds(5))
            .SetSourceFolder(src.Path).SetDestinationFolder("/").EnableDeleteExtraneous();
        var e = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteCopy(settings));
        Assert.StartsWith("RmoteCopy: DestinationFolder '/' is the host's root folder: refusing to deploy there", e.Message);
        Assert.EndsWith("to use this folder on purpose, set AllowDangerousDestination.", e.Message);

        var allowed = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteCopy(settings.SetAllowDangerousDestination(true)));
        Assert.Contains("unreachable", allowed.Message);
    }
}
