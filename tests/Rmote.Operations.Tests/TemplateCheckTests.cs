using System.Diagnostics;
using System.Text.Json;
using Rmote.Operations.Templates;

namespace Rmote.Operations.Tests;

/// <summary>
/// The controller's template check (<see cref="TemplateCheck"/>) against the host's engine itself: each template of the
/// table is compiled by python/rmote/template_engine.py under the real python3, and the C# check must agree on accept or
/// reject and, for a rejected one, on the template line the engine names.
/// </summary>
public sealed class TemplateCheckTests
{
    // Valid and invalid templates: the engine is the judge, not this list (no expected verdict is written here).
    static readonly string[] Templates =
    [
        // valid
        "Hello ${name}!",
        "${x | json}",
        "${x | shell, json} and ${y | url}?q=${z | xml}",
        "% for h in hosts\n${h}\n% endfor",
        "% if a:\nA\n% elif b\nB\n% else\nC\n% endif",
        "\\${literal} ${x}",
        "${ {'a': 1}['a'] }",
        "${ \"}\" }",
        "## a comment\n%% not a statement",
        "% x = 1\n% total = 0\n% total += x\n${total}",
        "% try\n${a}\n% except KeyError as e\nnone\n% end",
        "% def f(a, b=1, *args, c, **kw)\n${a}\n% end\n${f(1, c=2)}",
        "${[i * 2 for i in range(3) if i]} ${x if y else z}",
        "${a | b}",
        "${x | json,}",
        "${f'{x!r:>10}'} ${f\"{y:{width}}\"}",
        "% while n > 0\n% n -= 1\n% end",
        "% import json\n${json.dumps(x)} ${x[1:2, ::3]}",
        "% with open(p) as f, open(q) as g\n${f.read()}\n% end",
        "% class A\n% pass\n% end",
        "% for x in y\n% if x\n% break\n% end\n% else\nnone\n% end",
        "${a, b} ${x for x in y} ${*a} ${**k} ${x:=1}",
        "% x = (1,\n% 2)\n${x}",
        "% from os import path, sep\n${'%d' % n} ${\"a\" 'b'} ${0x1F + 1_000 + 1.5e3 + 2j + 0o7 + 0b1}",
        "% @decorator\n% def f()\n% return (yield)\n% end",
        "% x += 1, 2\n% lambda: (yield)",
        "% with (open(a) as f, open(b) as g)\n% end",
        "% x = '''abc\nline2\n% '''",
        "a\r\nb ${c}\r\n",
        // invalid
        "Hello ${name",
        "ok\n${x +}",
        "% for x in\nbody\n% end",
        "line1\n% if x ==\n% end",
        "% else\n% end",
        "% x = ",
        "% return 1",
        "a\n% break",
        "${'abc}",
        "${x!}",
        "a\nb\n${1 +* 2}",
        "% def f(a, a)\n% end",
        "% def f(a=1, b)\n% end",
        "${f(a=1, a=2)}",
        "${f(**k, *a)}",
        "% x = (1\ntext\nmore",
        "text\n% y = [1, 2\n% z = 3",
        "% 1 = x",
        "text\n% f() = 1",
        "% a, b: int",
        "% del f()",
        "% nonlocal x",
        "${f'{}'} ",
        "${f'{x!z}'}",
        "% for x in y:\n% continue\n% end\n% continue",
        "${await x}",
        "% import",
        "% from x import a,",
        "${b'\u00e9'}",
        "${'\\x4'}",
        "% if x\n% pass\n% elif\n% end",
        "% try\n% pass\n% endtry\nafter",
        "${x \u20ac}",
        "${01} ${1__0}",
        "% x = 1 if y",
        "% print 'hi'",
        "${x:}",
        "% async def f()\n% end",
        "% x = *a",
        "% *a, *b = c",
        "${x.}",
        "a\r\n${x +}\r\n",
        "ok\n${'''abc}",
        "% x = [1,\n% 2\ntext ${y}",
        "% def f()\n% from os import *\n% end",
        "text\n% from __future__ import annotations",
        "${x == 1 !}",
    ];

    [Fact]
    public void The_check_agrees_with_the_hosts_template_engine_on_every_template_of_the_table()
    {
        var engine = Engine(Templates);
        var disagreements = new List<string>();
        for (var n = 0; n < Templates.Length; n++)
        {
            var mine = TemplateCheck.Check(Templates[n]);
            if (mine?.Line != engine[n].Line)
                disagreements.Add($"{JsonSerializer.Serialize(Templates[n])}: engine {(engine[n].Line is { } l ? $"line {l}: {engine[n].Message}" : "accepts")}, "
                    + $"check {(mine != null ? $"line {mine.Line}: {mine.Message}" : "accepts")}");
        }
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
        // The table holds both kinds.
        Assert.InRange(engine.Count(e => e.Line == null), 20, Templates.Length - 20);
    }

    [Theory]
    [InlineData("${f'{chr(10).join(xs)!r:>{width:{fill}}}'}")] // fields nested three deep
    [InlineData("${f\"{'\\n'.join(xs)}\"}")]                  // a backslash in a field
    public void F_strings_that_newer_hosts_accept_are_not_refused_on_the_controller(string template)
    {
        // Python 3.12 (PEP 701) accepts these and 3.11 does not: the host's own compile is the judge, not the controller.
        Assert.Null(TemplateCheck.Check(template));
    }

    [Fact]
    public void A_syntax_error_names_the_file_and_line()
    {
        var e = Assert.Throws<TemplateSyntaxException>(() => TemplateCheck.Validate("ok\n% for x in\n% end\n", "templates/app.conf"));
        Assert.Equal(2, e.Line);
        Assert.StartsWith("templates/app.conf:2: invalid template (", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("): % for x in", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The engine's verdict on each template: the template line of its error, or null when it compiles.</summary>
    static List<(int? Line, string? Message)> Engine(string[] templates)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Rmote.Build.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("no repository root");
        const string script = """
            import importlib.util, json, re, sys
            spec = importlib.util.spec_from_file_location("rmote_template", sys.argv[1])
            engine = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(engine)
            out = []
            for source in json.load(sys.stdin):
                try:
                    engine.compile_template(source)
                    out.append(None)
                except ValueError as e:
                    m = re.match(r"template line (\d+): ", str(e))
                    out.append([int(m.group(1)) if m else -1, str(e)])
            json.dump(out, sys.stdout)
            """;
        var psi = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(Path.Combine(root, "python", "rmote", "template_engine.py"));
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(JsonSerializer.Serialize(templates));
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, stderr);
        return JsonSerializer.Deserialize<JsonElement[]>(stdout)!
            .Select(e => e.ValueKind == JsonValueKind.Null ? ((int?)null, (string?)null) : (e[0].GetInt32(), e[1].GetString()))
            .ToList();
    }
}
