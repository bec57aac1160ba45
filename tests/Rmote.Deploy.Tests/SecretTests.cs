using System.Collections.Concurrent;
using Rmote.Fleet;
using Rmote.Operations;
using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Deploy.Tests;

/// <summary>Issue 16 case 8: multi-line secrets (a PEM key) and secret template variables never reach output, logs or errors.</summary>
[Collection("ssh")]
public sealed class SecretTests(SshFleetFixture rig)
{
    /// <summary>A PEM-like key: random base64 body lines between BEGIN/END lines, ending in a short line.</summary>
    static string Pem(string newline = "\n")
    {
        var body = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(190));
        var lines = Enumerable.Range(0, (body.Length + 63) / 64).Select(i => body.Substring(i * 64, Math.Min(64, body.Length - i * 64)));
        return string.Join(newline, ["-----BEGIN OPENSSH PRIVATE KEY-----", .. lines, "-----END OPENSSH PRIVATE KEY-----"]);
    }

    /// <summary>The key's lines that carry the secret (every base64 line).</summary>
    static List<string> SecretLines(string pem) =>
        [.. pem.ReplaceLineEndings("\n").Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))];

    /// <summary>No 12 characters in a row of any secret line (a message may quote a cut-off part of a value).</summary>
    static void AssertNoSecret(string pem, string text, string where)
    {
        foreach (var line in SecretLines(pem))
            for (var i = 0; i + 12 <= line.Length; i++)
                Assert.False(text.Contains(line.Substring(i, 12), StringComparison.Ordinal), $"{where} holds part of the secret line {line}:\n{text}");
    }

    [Fact]
    public async Task A_multi_line_secret_printed_by_a_remote_command_is_masked_in_every_line_log_and_error()
    {
        var host = rig.Hosts[0];
        var pem = Pem();
        var pemCrlf = Pem("\r\n");
        var log = new CapturingLogger();
        await using var session = await FleetSession.ConnectAsync([Rig.Spec(host)], new FleetOptions { Logger = log });
        var ops = new FleetOperations(session);

        var lines = new ConcurrentQueue<HostOutputLine>();
        // The key printed whole, line by line on stderr, CRLF-encoded, and next to lines that only look like key lines.
        var run = await ops.ExecAsync(new ExecRequest
        {
            ShellCommand = "printf '%s\\n' \"$KEY\"; printf '%s\\n' \"$KEY\" >&2; printf '%s\\r\\n' \"$KEY_CRLF\"; echo -----; echo abc; echo \"inline:$KEY:end\"; exit 3",
            Environment = new Dictionary<string, string> { ["KEY"] = pem, ["KEY_CRLF"] = pemCrlf },
            SecretEnvironmentNames = ["KEY", "KEY_CRLF"],
        }, lines.Enqueue);

        var error = Assert.IsType<RemoteExitCodeException>(run[host.Name].Error);
        Assert.Equal(3, error.ExitCode);
        var printed = string.Join("\n", lines.Select(l => l.Text));
        foreach (var text in new[] { printed, error.ToString(), run[host.Name].Reason ?? "", log.AllText, run.ToTable() })
        {
            AssertNoSecret(pem, text, "the output/log/error");
            AssertNoSecret(pemCrlf, text, "the output/log/error");
        }
        Assert.Contains("***", printed);
        // Trivial lines are not secrets on their own: they still print (the rule keeps logs readable).
        Assert.Contains("-----", lines.Select(l => l.Text));
        Assert.Contains("abc", lines.Select(l => l.Text));
        Assert.Contains("***", error.Message);
        Assert.Contains($"[{host.Name}]", error.Message);
    }

    [Fact]
    public async Task A_remote_exception_quoting_a_secret_is_masked_and_keeps_its_type()
    {
        var host = rig.Hosts[1];
        // Every folder name of the path below within NAME_MAX (255 bytes): a key with no '/' in its first ~200 base64
        // characters made the host answer ENAMETOOLONG (an IOError) instead of the missing folder this test is about.
        var pem = Pem();
        while (("/srv/missing-" + pem).Split('/').Any(name => System.Text.Encoding.UTF8.GetByteCount(name) > 255)) pem = Pem();
        var log = new CapturingLogger();
        await using var session = await FleetSession.ConnectAsync([Rig.Spec(host)], new FleetOptions { Logger = log });
        var ops = new FleetOperations(session);

        // A working directory built from the secret: the remote FileNotFoundError quotes it as Python's repr ('...\n...').
        var run = await ops.ExecAsync(new ExecRequest
        {
            Command = ["true"],
            WorkingDirectory = "/srv/missing-" + pem,
            Environment = new Dictionary<string, string> { ["KEY"] = "/srv/missing-" + pem },
            SecretEnvironmentNames = ["KEY"],
        });

        var error = run[host.Name].Error!;
        Assert.IsAssignableFrom<IRemoteError>(error);
        Assert.IsType<RemoteFileNotFoundException>(error);
        AssertNoSecret(pem, error.ToString(), "the exception");
        AssertNoSecret(pem, ((IRemoteError)error).Info.Filename ?? "", "the exception's file name");
        AssertNoSecret(pem, log.AllText, "the log");
        Assert.Contains($"[{host.Name}]", error.Message);
        Assert.Contains("***", error.Message);
    }

    [Fact]
    public async Task A_secret_template_variable_is_written_0600_and_never_quoted_by_an_expression_error()
    {
        var host = rig.Hosts[2];
        var pem = Pem();
        var (remote, local) = Rig.Dest(host, "tpl-secret");
        var log = new CapturingLogger();
        await using var session = await FleetSession.ConnectAsync([Rig.Spec(host)], new FleetOptions { Logger = log });
        var ops = new FleetOperations(session);
        var vars = new Dictionary<string, object?> { ["key"] = pem, ["port"] = 8080 };

        var ok = await ops.RenderTemplateAsync(new TemplateRequest { Text = "port=${port}\n${key}\n", Variables = vars, SecretVariableNames = ["key"], Path = remote + "/app.key" });
        Assert.True(ok.EnsureSuccess()[host.Name].Value!.Changed);
        Assert.Equal($"port=8080\n{pem}\n", File.ReadAllText(Path.Combine(local, "app.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(local, "app.key")));

        // An explicit mode wins; without a secret variable the default stays the umask's.
        (await ops.RenderTemplateAsync(new TemplateRequest { Text = "${key}", Variables = vars, SecretVariableNames = ["key"], Path = remote + "/shared.key", Mode = "0640" })).EnsureSuccess();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(Path.Combine(local, "shared.key")));
        (await ops.RenderTemplateAsync(new TemplateRequest { Text = "port=${port}", Variables = vars, Path = remote + "/plain.conf" })).EnsureSuccess();
        Assert.NotEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(local, "plain.conf")));

        // A remote log record quoting the secret (a template expression that logs it) is masked too.
        (await ops.RenderTemplateAsync(new TemplateRequest
        {
            Text = "${__import__('logging').getLogger('app').warning('key is %s', key) or ''}ok\n", Variables = vars, SecretVariableNames = ["key"], Path = remote + "/logged.conf",
        })).EnsureSuccess();
        Assert.Contains(log.Entries, e => e.Message.Contains("app: key is ***", StringComparison.Ordinal));

        // int(key) fails with ValueError: invalid literal for int() with base 10: '-----BEGIN...\n...'
        var bad = await ops.RenderTemplateAsync(new TemplateRequest { Text = "port=${port}\nbits=${int(key)}\n", Variables = vars, SecretVariableNames = ["key"], Path = remote + "/bad.conf" });
        var error = bad[host.Name].Error!;
        Assert.IsType<RemoteArgumentException>(error);
        AssertNoSecret(pem, error.ToString(), "the template error");
        AssertNoSecret(pem, bad.ToTable(), "the result table");
        AssertNoSecret(pem, log.AllText, "the log");
        Assert.Contains("ValueError: the error message quoted a secret variable and is withheld", error.Message);
        Assert.Contains("template line 2", error.Message);
        Assert.Contains($"[{host.Name}]", error.Message);
        Assert.False(File.Exists(Path.Combine(local, "bad.conf")));
    }

    [Fact]
    public async Task A_secret_template_variable_given_per_host_is_masked_for_every_hosts_value_written_0600_and_its_WhatIf_diff_withheld()
    {
        var hosts = rig.Hosts.Take(2).ToList();
        var (remote, _) = Rig.Dest(hosts[0], "tpl-secret-hosts");
        // The step's value (the controller's) and, overriding it, each host's own (RmoteHost metadata, Cake/Nuke WithHostVariable).
        var step = new Dictionary<string, object?> { ["key"] = Pem() };
        var values = hosts.ToDictionary(h => h.Name, _ => Pem());
        var newValues = hosts.ToDictionary(h => h.Name, _ => Pem());
        HostVariables Inventory(Dictionary<string, string> v) => hosts.Aggregate(HostVariables.None, (i, h) => i.WithHostVariable(h.Name, "key", v[h.Name]));
        TemplateRequest Request(string text, string file, Dictionary<string, string> v) =>
            new() { Text = text, Variables = step, HostVariables = Inventory(v), SecretVariableNames = ["key"], Path = remote + "/" + file };
        var log = new CapturingLogger();
        await using var session = await FleetSession.ConnectAsync([.. hosts.Select(Rig.Spec)], new FleetOptions { Logger = log });
        var ops = new FleetOperations(session);

        // Each host renders (and logs, as a template expression may) its own value.
        const string Logged = "${__import__('logging').getLogger('app').warning('key is %s', key) or ''}${key}\n";
        (await ops.RenderTemplateAsync(Request(Logged, "app.key", values))).EnsureSuccess();
        foreach (var h in hosts)
        {
            var file = Rig.Local(h, remote + "/app.key");
            Assert.Equal(values[h.Name] + "\n", File.ReadAllText(file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        Assert.Equal(hosts.Count, log.Entries.Count(e => e.Message.Contains("app: key is ***", StringComparison.Ordinal)));

        // WhatIf with new per-host values: the file changes on each host, and no diff (old or new values) is printed.
        var preview = (await new FleetOperations(session) { WhatIf = true }.RenderTemplateAsync(Request("${key}\n", "app.key", newValues))).EnsureSuccess();
        foreach (var h in hosts)
        {
            var t = preview[h.Name].Value!.Plan!.Template!;
            Assert.True(t.Changed);
            Assert.Null(t.Diff);
            Assert.Contains(t.Notes, n => n.Contains("no diff shown: the template has secret variables", StringComparison.Ordinal));
            Assert.Equal(values[h.Name] + "\n", File.ReadAllText(Rig.Local(h, remote + "/app.key")));
        }

        // An expression error on each host quotes that host's value (last: a failed host sits out the session's later steps).
        var bad = await ops.RenderTemplateAsync(Request("bits=${int(key)}\n", "bad.conf", values));
        Assert.All(hosts, h => Assert.IsType<RemoteArgumentException>(bad[h.Name].Error));

        var shown = string.Join("\n", [log.AllText, bad.ToTable(), preview.ToTable(), .. hosts.Select(h => bad[h.Name].Error!.ToString()),
            .. hosts.SelectMany(h => preview[h.Name].Value!.Plan!.Details())]);
        foreach (var value in values.Values.Concat(newValues.Values))
            AssertNoSecret(value, shown, "the log, errors, result tables and WhatIf plan");
    }
}
