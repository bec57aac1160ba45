using Rmote.Cake.Tests.Support;
using Rmote.TestRig;

namespace Rmote.Cake.Tests;

/// <summary>A real `dotnet cake` run against the local target, with the addin from a package feed.</summary>
public sealed class CakeLocalTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Aliases_deploy_to_the_local_target_and_a_failure_names_the_host_and_cause()
    {
        var feed = await PackedFeed.GetAsync();
        using var dir = new TempDir("rmote-cake-local-");
        dir.WriteFile("src/a.txt", "alpha");
        dir.WriteFile("src/sub/b.txt", "beta");
        dir.WriteFile("app.tmpl", "port=${port}\nhost=${rmote_host}\n");
        dir.WriteFile("key.tmpl", "${key}\n");
        // Secrets by name: the template's from the environment Cake inherits, the command's from a 0600 secrets file.
        Environment.SetEnvironmentVariable("RMOTE_CAKE_TEST_KEY", "k3y-line-one\nk3y-line-two");
        File.SetUnixFileMode(dir.WriteFile("secrets.env", "# deploy secrets\nTOKEN=s3cr3t-value\n"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var dest = dir.Combine("dest");
        dir.WriteFile("dest/stale.txt", "left over from an older deploy");
        var script = dir.WriteFile("build.cake", CakeRunner.AddinLine(feed) + $$"""

            var hosts = new[] { "local" };
            var dest = "{{dest}}";
            Task("Deploy").Does(() =>
            {
                RmoteCopy(hosts, "./src", dest, new RmoteCopySettings().WithDeleteExtraneous().WithFileMode("0640"));
                RmoteTemplate(hosts, "./app.tmpl", dest + "/app.conf", new RmoteTemplateSettings().WithVariable("port", 8080));
                RmoteTemplate(hosts, "./key.tmpl", dest + "/key.pem", new RmoteTemplateSettings().WithSecretVariable("key", "RMOTE_CAKE_TEST_KEY"));
                RmoteExec(hosts, "cat app.conf; echo 'braces {0} {x}'", new RmoteExecSettings().WithWorkingDirectory(dest));
                RmoteExec(hosts, "echo token=$TOKEN", new RmoteExecSettings().WithSecretEnvironmentVariable("TOKEN").WithSecretsFile("./secrets.env"));
            });
            Task("Fail").IsDependentOn("Deploy").Does(() =>
            {
                RmoteExec(hosts, "echo boom >&2; exit 7");
            });
            RunTarget("Fail");
            """);

        var r = await CakeRunner.RunAsync(feed, script);
        Environment.SetEnvironmentVariable("RMOTE_CAKE_TEST_KEY", null);
        var text = CakeRunner.Text(r);
        output.WriteLine(text);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("alpha", File.ReadAllText(Path.Combine(dest, "a.txt")));
        Assert.Equal("beta", File.ReadAllText(Path.Combine(dest, "sub", "b.txt")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(Path.Combine(dest, "a.txt")));
        Assert.False(File.Exists(Path.Combine(dest, "stale.txt")));
        Assert.Contains("port=8080", File.ReadAllText(Path.Combine(dest, "app.conf")));
        Assert.Equal("k3y-line-one\nk3y-line-two\n", File.ReadAllText(Path.Combine(dest, "key.pem")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dest, "key.pem")));  // a secret: 0600 by default
        Assert.DoesNotContain("k3y-line", text);
        Assert.Contains("[local] port=8080", text);
        Assert.Contains("[local] braces {0} {x}", text);
        Assert.Contains("[local] token=***", text);
        Assert.DoesNotContain("s3cr3t-value", text);
        Assert.Contains("RmoteExec failed on 1 of 1 host(s)", text);
        Assert.Contains("exited with code 7", text);
        Assert.Contains("boom", text);
    }
}
