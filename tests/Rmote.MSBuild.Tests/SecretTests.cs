using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// Issue 16 case 8 and issue 18 through real <c>dotnet msbuild</c>: a secret template variable and a secret command
/// variable, both read by the tasks from the build's environment by name, reach the host but never the build log at
/// <c>-v:diag</c> or the <c>-bl</c> binlog replayed at <c>-v:diag</c>; the old <c>NAME=value</c> form is refused.
/// </summary>
[Collection("msbuild-ssh")]
public sealed class SecretTests(SshFleetFixture rig, PackedFeed feed)
{
    const string SecretName = "RMOTE_TEST_APP_KEY";
    const string BadTemplate = "port=${port}&#10;bits=${int(app_key)}";

    static string Pem()
    {
        var body = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(150));
        var lines = Enumerable.Range(0, (body.Length + 63) / 64).Select(i => body.Substring(i * 64, Math.Min(64, body.Length - i * 64)));
        return string.Join("\n", ["-----BEGIN OPENSSH PRIVATE KEY-----", .. lines, "-----END OPENSSH PRIVATE KEY-----"]);
    }

    /// <summary>No 12 characters in a row of any base64 line of the key.</summary>
    static void AssertNoSecret(string pem, string text, string where)
    {
        foreach (var line in pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)))
            for (var i = 0; i + 12 <= line.Length; i++)
                Assert.False(text.Contains(line.Substring(i, 12), StringComparison.Ordinal), $"{where} holds part of the secret line {line}:\n{text}");
    }

    [Fact]
    public async Task A_secret_template_variable_and_command_variable_never_reach_the_build_log_or_binlog()
    {
        var host = rig.Hosts[0];
        var pem = Pem();
        var dest = host.RemoteSrv.TrimEnd('/') + "/msb-secret-" + Guid.NewGuid().ToString("n")[..8];
        var local = Path.Combine(host.SrvRoot, dest[(host.RemoteSrv.TrimEnd('/').Length + 1)..]);
        // The command prints the secret (the log must show stars) and leaves its hash on the host (it got the value).
        var shell = $"cat {dest}/app.key; printf '%s\\n' &quot;${SecretName}&quot; >&amp;2; printf '%s' &quot;${SecretName}&quot; | sha256sum >{dest}/seen.sha256";
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {TestProject.HostItem(host)}
                <TplVar Include="port" Value="8080" />
                <TplVar Include="app_key" Secret="true" EnvironmentVariable="{SecretName}" />
              </ItemGroup>
              <Target Name="Render">
                <RmoteTemplate Hosts="@(RmoteHost)" TemplateFile="app.key.tmpl" DestinationFile="{dest}/app.key" Variables="@(TplVar)" />
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="{shell}" SecretEnvironmentVariables="{SecretName}" />
              </Target>
              <Target Name="OldForm">
                <RmoteExec Hosts="@(RmoteHost)" ShellCommand="true" SecretEnvironmentVariables="{SecretName}=$({SecretName})" />
              </Target>
              <Target Name="SecretValue">
                <ItemGroup><ValueVar Include="app_key" Secret="true" Value="$({SecretName})" /></ItemGroup>
                <RmoteTemplate Hosts="@(RmoteHost)" Template="{"${app_key}"}" DestinationFile="{dest}/value.conf" Variables="@(ValueVar)" />
              </Target>
              <Target Name="Bad">
                <RmoteTemplate Hosts="@(RmoteHost)" Template="{BadTemplate}" DestinationFile="{dest}/bad.conf" Variables="@(TplVar)" />
              </Target>
            """);
        p.Write("app.key.tmpl", "# port ${port}\n${app_key}\n");
        var env = new Dictionary<string, string> { [SecretName] = pem };
        var binlog = Path.Combine(p.Folder, "render.binlog");

        var r = await p.RunAsync("Render", "diag", env, "-bl:" + binlog);
        var log = TestProject.Log(r);
        Assert.True(r.ExitCode == 0, log);
        Assert.Equal($"# port 8080\n{pem}\n", File.ReadAllText(Path.Combine(local, "app.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(local, "app.key")));
        Assert.Contains($"{host.Name}: # port 8080", log);   // the file's other lines print
        Assert.Contains($"{host.Name}: ***", log);
        AssertNoSecret(pem, log, "the build log at -v:diag");
        // The command on the host saw the whole value (its hash), though the log shows only stars.
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(pem)));
        Assert.StartsWith(hash, File.ReadAllText(Path.Combine(local, "seen.sha256")));

        // The binlog replayed at diagnostic verbosity: task parameters, item metadata, properties, messages.
        var replay = await MsBuild.RunDotnetAsync(["msbuild", binlog, "-v:diag", "-nologo"], p.Folder, TimeSpan.FromMinutes(2));
        var replayed = TestProject.Log(replay);
        Assert.True(replay.ExitCode == 0, replayed);
        Assert.Contains("EnvironmentVariable", replayed);      // the item metadata is there, naming the variable only
        Assert.Contains($"{host.Name}: ***", replayed);
        AssertNoSecret(pem, replayed, "the binlog");

        // An expression error on the secret: the message names the host, the cause and the line, never the value.
        var bad = await p.RunAsync("Bad", "detailed", env);
        var badLog = TestProject.Log(bad);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains($"error RMT0008: {host.Name}: RmoteTemplate failed: "
            + "ValueError: the error message quoted a secret variable and is withheld (template line 2: bits=" + "${int(app_key)})", badLog);
        AssertNoSecret(pem, badLog, "the failing build's log");
        Assert.False(File.Exists(Path.Combine(local, "bad.conf")));

        // A secret named but missing from the environment fails before anything connects, naming the variable and the fix.
        var missing = await p.RunAsync("Render", "m");
        Assert.Contains($"error RMT0001: Secret variable 'app_key': the environment variable '{SecretName}' is not set on the controller (the machine running "
            + $"the build). Set it before the build runs (export {SecretName}=..., or the CI's secret store)", TestProject.Log(missing));

        // The old NAME=value form (here through a property, as the sample once did) and a secret Value are refused
        // before anything connects; neither message repeats the value.
        var old = await p.RunAsync("OldForm", "m", env);
        var oldLog = TestProject.Log(old);
        Assert.NotEqual(0, old.ExitCode);
        Assert.Contains($"error RMT0001: SecretEnvironmentVariables: '{SecretName}=...' gives a secret's value, and a value in a parameter is exactly what "
            + $"binlogs and diagnostic logs record. Give the name only (SecretEnvironmentVariables=\"{SecretName}\")", oldLog);
        AssertNoSecret(pem, oldLog, "the refused old form's log");
        var value = await p.RunAsync("SecretValue", "m", env);
        var valueLog = TestProject.Log(value);
        Assert.Contains("error RMT0001: Variables 'app_key': Secret=\"true\" takes its value from the build's environment by name: set EnvironmentVariable=\"NAME\"", valueLog);
        AssertNoSecret(pem, valueLog, "the refused secret Value's log");
        Assert.False(File.Exists(Path.Combine(local, "value.conf")));
    }
}
