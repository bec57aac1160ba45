using Rmote.Nuke;
using Rmote.TestRig;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Rmote.Nuke.Tests;

/// <summary>Rmote.Nuke's tasks in-process against the rig's hosts, and the Nuke sample as a user runs it.</summary>
[Collection("ssh")]
public sealed class NukeTasksTests(SshFleetFixture rig, ITestOutputHelper output)
{
    sealed class Capture : ILogEventSink
    {
        public List<string> Lines { get; } = [];
        public void Emit(LogEvent e) { lock (Lines) Lines.Add($"{e.Level}: {e.RenderMessage()}"); }
    }

    T Conn<T>(T s) where T : RmoteSettings => s
        .SetHosts(rig.Hosts.Select(h => h.Target))
        .SetIdentity(rig.Fleet.IdentityFile)
        .SetKnownHostsFile(rig.Fleet.KnownHostsFile);

    [Fact]
    public void Tasks_copy_exec_and_fail_with_the_host_named_logging_through_Serilog()
    {
        var capture = new Capture();
        Log.Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(capture).CreateLogger();
        using var dir = new TempDir("rmote-nuke-");
        dir.WriteFile("site/index.html", "<h1>hi</h1>");
        File.WriteAllText(Path.Combine(rig.Hosts[2].SrvRoot, "nuke-broken"), "");
        try
        {
            var copy = RmoteTasks.RmoteCopy(s => Conn(s).SetSourceFolder(dir.Combine("site")).SetDestinationFolder("/srv/nuke-site").EnableDeleteExtraneous());
            Assert.True(copy.AllSucceeded);
            var exec = RmoteTasks.RmoteExec(s => Conn(s).SetCommand("cat index.html").SetWorkingDirectory("/srv/nuke-site"));
            Assert.All(exec, r => Assert.Equal("<h1>hi</h1>", r.Value!.Stdout));
            var e = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteExec(s => Conn(s).SetCommand("test ! -e /srv/nuke-broken")));
            Assert.Contains("RmoteExec failed on 1 of 3 host(s)", e.Message);
            Assert.Contains($"{rig.Hosts[2].Target}: failed", e.Message);
            Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteCopy(s => Conn(s).SetSourceFolder(dir.Combine("site"))));
        }
        finally
        {
            RmoteTasks.RmoteDisconnect();
            Log.CloseAndFlush();
        }
        foreach (var h in rig.Hosts)
            Assert.Equal("<h1>hi</h1>", File.ReadAllText(Path.Combine(h.SrvRoot, "nuke-site", "index.html")));
        lock (capture.Lines)
        {
            foreach (var l in capture.Lines) output.WriteLine(l);
            Assert.Contains(capture.Lines, l => l.StartsWith("Information: ", StringComparison.Ordinal) && l.Contains($"[\"{rig.Hosts[0].Target}\"] \"<h1>hi</h1>\"", StringComparison.Ordinal));
            Assert.Equal(3, capture.Lines.Count(l => l.StartsWith("Debug: ", StringComparison.Ordinal) && l.Contains("connected: Python", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void A_secret_template_variable_is_written_0600_and_an_expression_error_never_quotes_it()
    {
        var capture = new Capture();
        Log.Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(capture).CreateLogger();
        using var dir = new TempDir("rmote-nuke-secret-");
        var tpl = dir.WriteFile("key.tmpl", "${key}\n");
        var bad = dir.WriteFile("bad.tmpl", "bits=${int(key)}\n");
        const string key = "-----BEGIN KEY-----\nnuke-s3cret-line-0123456789abcdef\nnuke-s3cret-line-fedcba9876543210\n-----END KEY-----";
        // The value comes from the build's environment, by name.
        Environment.SetEnvironmentVariable("RMOTE_NUKE_TEST_KEY", key);
        RmoteTaskException e;
        try
        {
            RmoteTasks.RmoteTemplate(s => Conn(s).SetTemplateFile(tpl).SetDestinationFile("/srv/nuke-secret/key.pem").SetSecretVariable("key", "RMOTE_NUKE_TEST_KEY"));
            e = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteTemplate(s => Conn(s).SetTemplateFile(bad).SetDestinationFile("/srv/nuke-secret/bad.conf")
                .SetSecretVariable("key", "RMOTE_NUKE_TEST_KEY")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("RMOTE_NUKE_TEST_KEY", null);
            RmoteTasks.RmoteDisconnect();
            Log.CloseAndFlush();
        }
        foreach (var h in rig.Hosts)
        {
            var file = Path.Combine(h.SrvRoot, "nuke-secret", "key.pem");
            Assert.Equal(key + "\n", File.ReadAllText(file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        output.WriteLine(e.Message);
        Assert.Contains("the error message quoted a secret variable and is withheld (template line 1: bits=${int(key)})", e.Message);
        Assert.DoesNotContain("s3cret", e.Message);
        lock (capture.Lines) Assert.DoesNotContain(capture.Lines, l => l.Contains("s3cret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_Nuke_sample_builds_against_the_packed_package_and_deploys_to_three_ssh_hosts()
    {
        var feed = await PackedFeed.GetAsync();
        using var dir = new TempDir("rmote-nuke-sample-");
        Repo.CopyTree(Path.Combine(Repo.Root, "samples", "Nuke"), dir.Combine("samples", "Nuke"));
        Repo.CopyTree(Path.Combine(Repo.Root, "samples", "Cake", "HelloApp"), dir.Combine("samples", "Cake", "HelloApp"));
        File.Copy(Path.Combine(Repo.Root, "samples", "Cake", "hello.conf.tmpl"), dir.Combine("samples", "Cake", "hello.conf.tmpl"));
        Repo.CopySampleProps(dir.Combine("samples"));
        File.WriteAllText(dir.Combine("samples", "NuGet.config"), feed.NuGetConfig(clear: false));

        var r = await ProcessRunner.RunAsync("dotnet", ["run", "--project", dir.Combine("samples", "Nuke"), "-p:RmoteVersion=" + feed.Version, "--",
            "--hosts", string.Join(',', rig.Hosts.Select(h => h.Target)), "--identity", rig.Fleet.IdentityFile, "--known-hosts", rig.Fleet.KnownHostsFile],
            dir, Repo.DotNetEnvironment(), TimeSpan.FromMinutes(4));
        output.WriteLine(r.StdOut + r.StdErr);

        Assert.True(r.Succeeded, r.StdOut + r.StdErr);
        Assert.Contains("Build succeeded: Publish → Deploy → Verify", r.StdOut);
        foreach (var h in rig.Hosts)
        {
            Assert.True(File.Exists(Path.Combine(h.SrvRoot, "hello-nuke", "current", "HelloApp.dll")), h.Name);
            Assert.Contains($"[{h.Target}] config: greeting=hello from Nuke", r.StdOut);
        }
    }
    [Fact]
    public void SetTimeout_bounds_the_task_on_each_host_and_the_error_names_host_and_limit()
    {
        var settings = new RmoteCopySettings().SetTimeout(TimeSpan.FromMilliseconds(1)).SetNoProgressTimeout(TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.FromMilliseconds(1), settings.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(7), settings.NoProgressTimeout);
        Assert.Null(settings.ResetTimeout().ResetNoProgressTimeout().Timeout);
        using var dir = new TempDir("rmote-nuke-");
        dir.WriteFile("site/index.html", "<h1>bounded</h1>");
        try
        {
            // 1 ms: no host can plan a copy that fast, so every host fails on the limit, each named (the product's own
            // reason below is the bound; no wall clock).
            var e = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteCopy(s => Conn(s)
                .SetSourceFolder(dir.Combine("site")).SetDestinationFolder("/srv/nuke-bounded").SetTimeout(TimeSpan.FromMilliseconds(1))));
            Assert.Contains("RmoteCopy failed on 3 of 3 host(s)", e.Message);
            foreach (var h in rig.Hosts)
                Assert.Contains($"[{h.Target}] the step did not finish within its time limit of 0.001 s", e.Message);
            // Without the limit the same task succeeds on the same (pooled) connections.
            Assert.True(RmoteTasks.RmoteCopy(s => Conn(s).SetSourceFolder(dir.Combine("site")).SetDestinationFolder("/srv/nuke-bounded")).AllSucceeded);
        }
        finally
        {
            RmoteTasks.RmoteDisconnect();
        }
    }
}
