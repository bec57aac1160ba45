using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Core.Tests.Tools;

/// <summary>Template over a real local child and a real sshd host.</summary>
[Collection("ssh")]
public sealed class TemplateToolTests(SshFleetFixture rig)
{
    const string Source = """
        ## a comment line, dropped
        server ${name} {
        % for port in ports:
          listen ${port}${ ";" if port != ports[-1] else "" }
        % endfor
        % if tls:
          ssl on
        % else:
          ssl off
        % endif
          literal \${not_expanded} and ${ {"a": "{}"}["a"] }
        %% literal percent
        }
        """;

    const string Expected = """
        server web01 {
          listen 80;
          listen 443
          ssl on
          literal ${not_expanded} and {}
        % literal percent
        }
        """;

    public sealed record Site(string Name, int[] Ports, bool Tls);

    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task Templates_are_usable_as_call_arguments(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var p = t.Proto;
        // The first call carrying a template syncs the Template tool in front of itself: nothing used it before.
        var written = await p.CallAsync(FileSystem.WriteTemplate, t.Path("motd"),
            Template.Of("Welcome to ${host}\n% for n in ports:\nport ${n}\n% endfor\n", new { Host = "web01", Ports = new[] { 80, 443 } }));
        Assert.True(written.Changed);
        // rmote's rendering: lines joined with '\n', none after the last one.
        Assert.Equal("Welcome to web01\nport 80\nport 443", File.ReadAllText(t.LocalPath("motd")));
        // Any handle can take one, anywhere in its arguments.
        var echo = Diag.Tool.Method<TemplateValue[], string[]>("echo");
        Assert.Equal(["a-1", "b-2"], await p.CallAsync(echo, [Template.Of("a-${n}", new { N = 1 }), Template.Of("b-${n}", new Dictionary<string, int> { ["n"] = 2 })]));
        var broken = await Assert.ThrowsAsync<RemoteArgumentException>(() => p.CallAsync(FileSystem.WriteTemplate, t.Path("bad"), Template.Of("% for x in:\n")));
        Assert.Contains("template line 1", broken.Message);
        Assert.False(File.Exists(t.LocalPath("bad")));
    }

    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task Render_from_a_dictionary_a_record_and_a_remote_file(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var p = t.Proto;

        var fromDict = await p.CallAsync(Template.Render, Source, new Dictionary<string, object?> { ["name"] = "web01", ["ports"] = new[] { 80, 443 }, ["tls"] = true });
        Assert.Equal(Expected, fromDict);
        // Records and anonymous objects work too: property names arrive in snake_case.
        Assert.Equal(Expected, await p.CallAsync(Template.Render, Source, new Site("web01", [80, 443], true)));
        Assert.Equal("a-b", await p.CallAsync(Template.Render, "${first_part}-${second}", new { FirstPart = "a", Second = "b" }));

        await p.CallAsync(FileSystem.WriteStr, t.Path("site.tmpl"), Source);
        Assert.Equal(Expected, await p.CallAsync(Template.RenderFile, t.Path("site.tmpl"), new Site("web01", [80, 443], true)));

        var written = await p.CallAsync(Template.RenderToFile, new RenderToFileOptions(Source, new Site("web01", [80, 443], true), t.Path("site.conf")) { Mode = "0640" });
        Assert.True(written.Changed);
        Assert.Equal(Expected, File.ReadAllText(t.LocalPath("site.conf")));
        Assert.False((await p.CallAsync(Template.RenderToFile, new RenderToFileOptions(Source, new Site("web01", [80, 443], true), t.Path("site.conf")) { Mode = "0640" })).Changed);
        Assert.Equal("no vars", await p.CallAsync(Template.Render, "no vars\n", null));

        var syntax = await Assert.ThrowsAsync<RemoteArgumentException>(() => p.CallAsync(Template.Render, "a\n% for x in:\nb\n", null));
        Assert.Contains("line 2", syntax.Message);
        var runtime = await Assert.ThrowsAsync<RemoteException>(() => p.CallAsync(Template.Render, "ok\n${missing}\n", null));
        Assert.Equal("NameError", runtime.PythonType);
        Assert.Contains("line 2", runtime.Message);
    }

    // rmote's statement lines: assignments, augmented assignments, import, comprehension, def, try, CRLF input.
    const string StatementSource =
        "## totals per host\r\n" +
        "% import json\r\n" +
        "% total = 0\r\n" +
        "% names = [h['name'] for h in hosts]\r\n" +
        "% def label(h):\r\n" +
        "%     return h['name'].upper() + ':' + str(h['port'])\r\n" +
        "% end\r\n" +
        "% for h in hosts:\r\n" +
        "%     total += h['port']\r\n" +
        "${label(h)}\r\n" +
        "% endfor\r\n" +
        "% try:\r\n" +
        "%     value = extra['key']\r\n" +
        "% except KeyError:\r\n" +
        "%% no extra\r\n" +
        "% else:\r\n" +
        "extra=${value}\r\n" +
        "% end\r\n" +
        "names=${json.dumps(names)} total=${total}\r\n";

    const string StatementExpected = "WEB01:80\nWEB02:443\n% no extra\nnames=[\"web01\", \"web02\"] total=523";

    [Theory]
    [MemberData(nameof(RemoteTarget.Transports), MemberType = typeof(RemoteTarget))]
    public async Task Statement_lines_render_as_rmote_renders_them(string transport)
    {
        await using var t = await RemoteTarget.OpenAsync(transport, rig);
        var p = t.Proto;
        var vars = new Dictionary<string, object?>
        {
            ["hosts"] = new[] { new Dictionary<string, object> { ["name"] = "web01", ["port"] = 80 }, new Dictionary<string, object> { ["name"] = "web02", ["port"] = 443 } },
            ["extra"] = new Dictionary<string, string>(),
        };
        Assert.Equal(StatementExpected, await p.CallAsync(Template.Render, StatementSource, vars));

        // The same template as a call argument and written to a file: the bytes on the host are rmote's text.
        await p.CallAsync(FileSystem.WriteTemplate, t.Path("hosts.txt"), Template.Of(StatementSource, vars));
        Assert.Equal(StatementExpected, File.ReadAllText(t.LocalPath("hosts.txt")));
        // KeepFinalNewline (what the deploy steps set): the template ends with a line break, so the file does too.
        var kept = await p.CallAsync(Template.RenderToFile, new RenderToFileOptions(StatementSource, vars, t.Path("hosts.conf")) { KeepFinalNewline = true });
        Assert.True(kept.Changed);
        Assert.Equal(StatementExpected + "\n", File.ReadAllText(t.LocalPath("hosts.conf")));

        // An error in a statement names the template line and shows the compiled line.
        var error = await Assert.ThrowsAsync<RemoteException>(() => p.CallAsync(Template.Render, "ok\n% for v in values:\n%     count += v\n% endfor\n", new { Values = new[] { 1 } }));
        Assert.Equal("NameError", error.PythonType);
        Assert.Contains("(template line 3: %     count += v) [compiled: count += v]", error.Message);
    }
}
