using Rmote.TestRig;

namespace Rmote.Core.Tests.Tools;

/// <summary>
/// Tool files written for rmote (tests/Rmote.Core.Tests/RmoteTools/*.py: <c>from rmote.protocol import Tool, process,
/// render_template</c>), loaded unchanged with <see cref="PythonTool.FromFile(string)"/> and called through typed
/// handles over a real local child and a real sshd host.
/// </summary>
[Collection("ssh")]
public sealed class RmoteToolFileTests(SshFleetFixture rig)
{
    static string ToolFile(string name) => Path.Combine(AppContext.BaseDirectory, "RmoteTools", name);

    static readonly PythonTool Nginx = PythonTool.FromFile(ToolFile("nginx_site.py"));
    static readonly PythonTool HostFacts = PythonTool.FromFile(ToolFile("host_facts.py"));
    static readonly PythonTool Waiter = PythonTool.FromFile(ToolFile("waiter.py"));

    public sealed record SiteWritten(string Path, bool Enabled);

    public sealed record CheckResult(int Code, string Output);

    public enum Family { Linux, Other }

    public sealed record Disk(string Path, long TotalBytes, long FreeBytes);

    public sealed record Facts(string Hostname, Family Family, int[] Python, Disk[] Disks, int Schema);

    public sealed record CommandRun(string Command, int Code, string Stdout);

    [Fact]
    public void The_tool_class_is_found_in_the_file()
    {
        Assert.Equal("NginxSite", Nginx.Name);
        Assert.Equal("HostFacts", HostFacts.Name);  // derives from BaseFacts(Tool): the leaf is the tool
        Assert.Equal("Waiter", Waiter.Name);
        Assert.Equal(File.ReadAllText(ToolFile("host_facts.py")), HostFacts.Source);  // sent unchanged
    }

    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task A_tool_using_process_and_render_template_runs_unchanged(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var write = Nginx.Method<string, string, int, Dictionary<string, string>, SiteWritten>("write_site");
        var written = await t.Proto.CallAsync(write, t.Dir, "web01", 8080, new() { ["/"] = "/srv/www", ["/static"] = "/srv/static" });

        Assert.Equal(new SiteWritten(t.Path("sites-available/web01.conf"), true), written);
        Assert.Equal("""
            server {
                listen 8080;
                server_name web01;
                location / {
                    root /srv/www;
                }
                location /static {
                    root /srv/static;
                }
            }

            """.ReplaceLineEndings("\n"), File.ReadAllText(t.LocalPath("sites-available/web01.conf")));
        // process("ln", "-sfn", ...) made the link on the host.
        Assert.Equal(t.Path("sites-available/web01.conf"), new FileInfo(t.LocalPath("sites-enabled/web01.conf")).LinkTarget);
        Assert.Equal(1, await t.Proto.CallAsync(Nginx.Method<string, int>("count_servers"), t.Dir));
        Assert.Equal(new CheckResult(3, "bad\n"), await t.Proto.CallAsync(Nginx.Method<string, CheckResult>("check"), "echo bad >&2; exit 3"));
    }

    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task A_tool_returning_dataclasses_with_enums_inheritance_and_a_nested_class_runs_unchanged(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var facts = await t.Proto.CallAsync(HostFacts.Method<string[], Facts>("collect"), [t.Dir, "/", "/tmp"]);

        Assert.Equal(Family.Linux, facts.Family);
        Assert.Equal(3, facts.Schema);  // the base class's class variable
        Assert.Equal(3, facts.Python[0]);
        Assert.Equal([t.Dir, "/"], facts.Disks.Select(d => d.Path));  // Limits.MAX_DISKS (the nested class) = 2
        Assert.All(facts.Disks, d => Assert.InRange(d.FreeBytes, 0, d.TotalBytes));
        Assert.False(string.IsNullOrEmpty(facts.Hostname));
        Assert.Equal(Family.Linux, await t.Proto.CallAsync(HostFacts.Method<Family>("family")));  // inherited
        Assert.Equal(3, await t.Proto.CallAsync(HostFacts.Method<int>("schema")));
    }

    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task A_tool_with_async_methods_runs_unchanged(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var waitForFile = Waiter.Method<string, double, bool>("wait_for_file");
        var waiting = t.Proto.CallAsync(waitForFile, t.Path("flag"), 300.0);
        var touch = $"touch {t.Path("flag")}; exit 4";
        var runs = await t.Proto.CallAsync(Waiter.Method<string[], CommandRun[]>("run_all"), ["echo one", touch]);
        Assert.Equal([new CommandRun("echo one", 0, "one\n"), new CommandRun(touch, 4, "")], runs);
        Assert.True(await waiting);  // the file the second command made ended the wait
        Assert.False(await t.Proto.CallAsync(waitForFile, t.Path("never"), 0.05));
    }

    [Fact]
    public void A_missing_file_is_named_with_where_it_was_looked_for()
    {
        var error = Assert.Throws<FileNotFoundException>(() => PythonTool.FromFile("no-such-dir/nginx.py"));
        Assert.Contains(Path.GetFullPath("no-such-dir/nginx.py"), error.Message);
    }

    [Fact]
    public void A_file_without_a_tool_class_or_with_several_says_which()
    {
        using var dir = new TempDir("rmote-toolfile-");
        var none = Path.Combine(dir.Path, "none.py");
        File.WriteAllText(none, "from rmote.protocol import Tool\n\nclass Helper:\n    pass\n");
        Assert.Contains("defines no class deriving from Tool", Assert.Throws<ArgumentException>(() => PythonTool.FromFile(none)).Message);

        var several = Path.Combine(dir.Path, "several.py");
        File.WriteAllText(several, "from rmote import protocol\n\nclass Base(protocol.Tool):\n    pass\n\n" +
                                   "class Apt(Base):\n    pass\n\nclass Pacman(\n    Base,\n):\n    pass\n");
        var error = Assert.Throws<ArgumentException>(() => PythonTool.FromFile(several)).Message;
        Assert.Contains("several tool classes (Apt, Pacman)", error);
        Assert.Equal("Pacman", PythonTool.FromFile("Pacman", several).Name);  // the way out the message names
    }
}
