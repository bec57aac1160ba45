using System.Diagnostics.CodeAnalysis;

namespace Rmote.Tools;

/// <summary>
/// rmote's Mako-like templates, rendered on the remote (engine: python/rmote/template_engine.py; docs/TEMPLATES.md):
/// <c>${expr}</c>, <c>\${</c>, <c>##</c> comments, <c>%%</c>, and <c>% &lt;python statement&gt;</c> lines
/// (<c>% for/if/while/with/try/def/class ...</c> closed by <c>% end...</c> or a bare <c>%</c>; <c>% x = 1</c>,
/// <c>% total += v</c>, <c>% import os</c>). Lines are joined with <c>\n</c> and no newline follows the last one.
/// Variables are any JSON-serializable object: a dictionary (keys used as they are) or a record / anonymous
/// object (property names become snake_case: <c>ServerName</c> is <c>server_name</c> in the template).
/// </summary>
/// <example><code>
/// string text = await proto.CallAsync(Template.Render, "Hello ${name}!", new { Name = "web01" });
/// await proto.CallAsync(Template.RenderToFile, new RenderToFileOptions(source, vars, "/etc/app.conf") { Mode = "0640" });
/// </code></example>
public static class Template
{
    /// <summary>The tool's Python source, shipped inside Rmote.Core.</summary>
    public static readonly PythonTool Tool = PythonTool.FromResource("Template", "template.py");

    /// <summary>A template as a call argument: the remote renders it, then passes the text to the method.</summary>
    /// <example><code>await proto.CallAsync(FileSystem.WriteTemplate, "/etc/motd", Template.Of("Welcome to ${host}\n", new { Host = "web01" }));</code></example>
    public static TemplateValue Of(string source, object? variables = null) => new(source, variables);

    /// <summary><c>render(template, variables)</c>: the rendered text. Template errors are <see cref="ArgumentException"/>s naming the template line.</summary>
    public static readonly ToolMethod<string, object?, string> Render = Tool.Method<string, object?, string>("render");

    /// <summary><c>render_file(template_path, variables)</c>: renders a template stored on the remote.</summary>
    public static readonly ToolMethod<string, object?, string> RenderFile = Tool.Method<string, object?, string>("render_file");

    /// <summary><c>render_to_file(template, variables, path, mode, owner, group, secrets, keep_final_newline)</c>: renders and writes atomically, only when different.</summary>
    public static readonly ToolMethod<RenderToFileOptions, RenderResult> RenderToFile = Tool.KwMethod<RenderToFileOptions, RenderResult>("render_to_file");

    /// <summary><c>render_diff(...)</c>: what <see cref="RenderToFile"/> with the same options would change, writing nothing (a unified diff; WhatIf).</summary>
    public static readonly ToolMethod<RenderToFileOptions, RenderDiffResult> RenderDiff = Tool.KwMethod<RenderToFileOptions, RenderDiffResult>("render_diff");
}

/// <summary>Arguments of <see cref="Template.RenderToFile"/>.</summary>
public sealed record RenderToFileOptions
{
    /// <summary>Creates the options: render <paramref name="template"/> with <paramref name="variables"/> into <paramref name="path"/>.</summary>
    [SetsRequiredMembers]
    public RenderToFileOptions(string template, object? variables, string path) => (Template, Variables, Path) = (template, variables, path);

    /// <summary>Template source text.</summary>
    public required string Template { get; init; }
    /// <summary>Variables (dictionary, record or anonymous object); sent even when null because Python requires the argument.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)]
    public object? Variables { get; init; }
    /// <summary>Destination path on the remote.</summary>
    public required string Path { get; init; }
    /// <summary>Permission bits (<c>"0644"</c>).</summary>
    public string? Mode { get; init; }
    /// <summary>Owner name or uid.</summary>
    public string? Owner { get; init; }
    /// <summary>Group name or gid.</summary>
    public string? Group { get; init; }
    /// <summary>Names of secret variables: a render error whose message quotes one of their values has that message withheld (the type and template line stay).</summary>
    public IReadOnlyList<string>? Secrets { get; init; }
    /// <summary>
    /// The file ends with a line break unless the template ends with a text line that has none (rmote's rendering
    /// writes no newline after the last line). The deploy steps (<c>RmoteTemplate</c>) set it; off by default, as in rmote.
    /// </summary>
    public bool KeepFinalNewline { get; init; }
}

/// <summary>Result of <see cref="Template.RenderToFile"/>.</summary>
public sealed record RenderResult
{
    /// <summary>The file written.</summary>
    public string Path { get; init; } = "";
    /// <summary>False when content, mode and owner were already right.</summary>
    public bool Changed { get; init; }
    /// <summary>Hex SHA-256 of the rendered text.</summary>
    public string Sha256 { get; init; } = "";
}
