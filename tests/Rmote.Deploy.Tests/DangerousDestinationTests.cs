using Rmote.TestRig;

namespace Rmote.Deploy.Tests;

/// <summary>
/// Issue 16 case 5: the host's root, the home folder itself and top-level system folders are refused as a
/// destination root or releases base before anything is sent (an empty property in front of '/' makes them).
/// </summary>
public sealed class DangerousDestinationTests
{
    public static TheoryData<string, string> Refused => new()
    {
        { "/", "the host's root folder" },
        { "//", "the host's root folder" },
        { "/./", "the host's root folder" },
        { "/.", "the host's root folder" },
        { "/..", "the host's root folder" },
        { "~", "the remote user's home folder itself" },
        { "~/", "the remote user's home folder itself" },
        { "~//.", "the remote user's home folder itself" },
        { "~/app/..", "the remote user's home folder itself" },
        { "~/..", "a folder above the remote user's home folder" },
        { "/etc/", "the top-level system folder /etc" },
        { "//etc//", "the top-level system folder /etc" },
        { "/./usr/.", "the top-level system folder /usr" },
        { "/srv/app/..", "the top-level system folder /srv" },
        { "/srv/../var", "the top-level system folder /var" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Refuses_the_root_the_home_folder_and_system_folders_after_normalising(string folder, string what)
    {
        var e = Assert.Throws<ArgumentException>(() => DestinationPath.ValidateRoot(folder));
        Assert.Equal($"Destination folder '{folder}' is {what}: refusing to deploy there, where deleting extraneous files or pruning "
            + "releases would delete what it holds. This usually means a property or variable in front of '/' is empty "
            + "(for example \"$(DeployDir)/\" with DeployDir unset). Point it at an application folder such as /srv/app; "
            + "to use this folder on purpose, set AllowDangerousDestination.", e.Message);
        Assert.Equal(folder, DestinationPath.ValidateRoot(folder, allowDangerousDestination: true));
    }

    [Theory]
    [InlineData("bin")] [InlineData("boot")] [InlineData("dev")] [InlineData("etc")] [InlineData("home")] [InlineData("lib")]
    [InlineData("lib32")] [InlineData("lib64")] [InlineData("libx32")] [InlineData("media")] [InlineData("mnt")] [InlineData("opt")]
    [InlineData("proc")] [InlineData("root")] [InlineData("run")] [InlineData("sbin")] [InlineData("srv")] [InlineData("sys")]
    [InlineData("tmp")] [InlineData("usr")] [InlineData("var")]
    public void Refuses_every_top_level_folder_of_the_contract(string name)
    {
        foreach (var folder in new[] { "/" + name, "/" + name + "/", "//" + name + "/./" })
            Assert.Contains($"is the top-level system folder /{name}:", Assert.Throws<ArgumentException>(() => DestinationPath.ValidateRoot(folder)).Message);
    }

    [Theory]
    [InlineData("/srv/app")]
    [InlineData("/srv/app/")]
    [InlineData("/opt/app")]
    [InlineData("/var/www")]
    [InlineData("/usr/local/app")]
    [InlineData("/home/deploy/app")]
    [InlineData("/etcetera")]
    [InlineData("/srv/./app//")]
    [InlineData("~/app")]
    [InlineData("~/.config/app")]
    public void Accepts_folders_below_them(string folder) => Assert.Equal(folder, DestinationPath.ValidateRoot(folder));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_destination_names_the_empty_property_and_has_no_opt_in(string folder)
    {
        var e = Assert.Throws<ArgumentException>(() => DestinationPath.ValidateRoot(folder, allowDangerousDestination: true));
        Assert.Equal($"Destination folder is empty ('{folder}'). This usually means the property or variable that should name it is empty "
            + "(for example \"$(DeployDir)\" with DeployDir unset). Set it to the folder on the hosts, such as /srv/app.", e.Message);
    }

    [Fact]
    public void Copy_options_and_releases_refuse_before_a_connection_is_involved()
    {
        var source = CopySource.FromFiles(Array.Empty<CopyItem>());
        Assert.Contains("Destination folder '~' is the remote user's home folder itself", Assert.Throws<ArgumentException>(() =>
            new Copier(source, new CopyOptions { DestinationFolder = "~", DeleteExtraneous = true })).Message);
        Assert.Contains("Releases base folder '/etc/' is the top-level system folder /etc", Assert.Throws<ArgumentException>(() => new Releases("/etc/")).Message);
        // The opt-in: the rare deploy that really targets such a folder.
        _ = new Copier(source, new CopyOptions { DestinationFolder = "~", AllowDangerousDestination = true });
        Assert.Equal("/srv", new Releases("/srv/", allowDangerousDestination: true).BaseFolder);
    }

    [Fact]
    public async Task A_template_whose_destination_is_a_system_folder_is_refused_before_anything_is_sent()
    {
        await using var session = await Fleet.FleetSession.ConnectAsync([new Fleet.HostSpec { Host = "local" }]);
        var e = Assert.Throws<ArgumentException>(() => { _ = new FleetOperations(session).RenderTemplateAsync(new TemplateRequest { Text = "x", Path = "//etc/" }); });
        Assert.StartsWith("Template destination '//etc/' is the top-level system folder /etc, not a file. This usually means a property or variable in front of '/' is empty", e.Message);
    }

    /// <summary>
    /// A real interpreter whose <c>/etc</c> and home folder are this test's folders (a private mount namespace), so that
    /// a deploy that wrongly went ahead would wipe only them; the test sees whether anything there changed.
    /// </summary>
    static async Task<(Protocol Protocol, TempDir Etc, TempDir Home)> SandboxAsync()
    {
        RequiresTools.Ensure("unshare", "mount", "python3");
        var etc = new TempDir("rmote-danger-etc-");
        var home = new TempDir("rmote-danger-home-");
        foreach (var f in new[] { "passwd", "group" }) File.Copy("/etc/" + f, etc.Combine(f));
        etc.WriteFile("app.conf", "keep me");
        home.WriteFile(".profile", "keep me too");
        home.WriteFile("projects/notes.txt", "and me");
        var protocol = await Protocol.FromCommandAsync(["unshare", "--mount", "--propagation", "private", "sh", "-c",
            "mount --bind \"$1\" /etc && HOME=\"$2\" && export HOME && shift 2 && exec python3 \"$@\"", "sh", etc.Path, home.Path]);
        return (protocol, etc, home);
    }

    [Fact]
    public async Task A_copy_with_DeleteExtraneous_to_home_or_etc_is_refused_and_nothing_on_the_host_changes()
    {
        var (protocol, etc, home) = await SandboxAsync();
        using var _ = etc;
        using var __ = home;
        await using var ___ = protocol;
        var etcBefore = TreeSnapshot.Of(etc.Path);
        var homeBefore = TreeSnapshot.Of(home.Path);
        using var src = new TempDir("rmote-danger-src-");
        src.WriteFile("app.dll", "new");
        foreach (var destination in new[] { "~", "~/", "/etc/" })
            await RefusedAsync(protocol, src.Path, destination);

        // The connection is still good (nothing half-sent), and the folders are as they were.
        Assert.True(await protocol.CallAsync(Tools.FileSystem.Exists, "/etc/app.conf"));  // the sandbox's /etc
        Assert.Equal(etcBefore, TreeSnapshot.Of(etc.Path));
        Assert.Equal(homeBefore, TreeSnapshot.Of(home.Path));
    }

    [Fact]
    public async Task The_opt_in_reaches_the_host_so_a_copy_to_etc_on_purpose_lands()
    {
        var (protocol, etc, home) = await SandboxAsync();
        using var _ = etc;
        using var __ = home;
        await using var ___ = protocol;
        using var src = new TempDir("rmote-danger-src-");
        src.WriteFile("rmote-optin.conf", "on purpose");
        var r = await Copier.CopyAsync(protocol, CopySource.FromFolder(src.Path),
            new CopyOptions { DestinationFolder = "/etc/", AllowDangerousDestination = true });
        Assert.Equal(["rmote-optin.conf"], r.CopiedFiles);
        Assert.Equal("on purpose", File.ReadAllText(Path.Combine(etc.Path, "rmote-optin.conf")));  // the sandbox's /etc
        Assert.True(File.Exists(Path.Combine(etc.Path, "app.conf")));  // nothing else touched (no DeleteExtraneous)
    }

    static async Task RefusedAsync(Protocol protocol, string src, string destination)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Copier.CopyAsync(protocol, CopySource.FromFolder(src),
            new CopyOptions { DestinationFolder = destination, DeleteExtraneous = true }));
        Assert.StartsWith($"Destination folder '{destination}' is ", e.Message);
        Assert.Contains("AllowDangerousDestination", e.Message);

        var releases = Assert.Throws<ArgumentException>(() => new Releases(destination));
        Assert.StartsWith($"Releases base folder '{destination}' is ", releases.Message);
    }
}
