using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Rmote.Transport;

namespace Rmote;

/// <summary>
/// Python source defining a <c>class Name(Tool)</c>, sent to a remote once per connection on first use
/// (keyed by a hash of its content) and called through typed handles. A shipped module the source imports
/// (<c>from rmote_toolkit import write_file</c>: the file helpers) is sent in front of it.
/// </summary>
public sealed partial class PythonTool : Wire.IRemoteCode
{
    PythonTool(string name, string source, bool isModule = false, bool shipped = false)
    {
        if (!IdentifierPattern().IsMatch(name))
            throw new ArgumentException($"Tool name '{name}' must be a Python class name (letters, digits, underscores).", nameof(name));
        if (string.IsNullOrWhiteSpace(source))
            throw new ArgumentException($"Tool '{name}' has no source.", nameof(source));
        Name = name;
        Source = source;
        this.shipped = shipped;
        // Of the source as sent: the host's code cache files an entry under the key and checks it against the digest.
        SentSource = shipped ? Bootstrap.WithoutProse(source) : source;
        sentDigest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(SentSource)));
        Key = $"{name}:{sentDigest[..16]}";
        IsModule = isModule;
    }

    /// <summary>Shipped inside Rmote.Core: sent without its comments and docstrings, as the runtime is (line numbers kept).</summary>
    readonly bool shipped;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex IdentifierPattern();

    /// <summary>An <c>import rmote_x</c> or <c>from rmote_x import ...</c> line (at any indentation).</summary>
    [GeneratedRegex(@"^[ \t]*(?:from|import)[ \t]+(rmote_\w+)", RegexOptions.Multiline)]
    private static partial Regex ModuleImportPattern();

    /// <summary>An rmote tool file's import: <c>from rmote.protocol import Tool</c>, <c>import rmote.protocol</c>, <c>from rmote import protocol</c>.</summary>
    [GeneratedRegex(@"^[ \t]*(?:from|import)[ \t]+rmote(?:\.|[ \t])", RegexOptions.Multiline)]
    private static partial Regex RmoteImportPattern();

    /// <summary>rmote's template helpers, rendered by the Template tool (synced in front of a tool that names them).</summary>
    [GeneratedRegex(@"\b(?:Template|render_template)\b")]
    private static partial Regex RmoteTemplateUsePattern();

    /// <summary>
    /// The modules shipped with the runtime that a tool may import, synced in front of the first tool that does
    /// (not in the bootstrap: a connection that never writes a file never pays for the file helpers). Each is read,
    /// stripped and hashed on first use: a fresh build process that only copies files never pays for the templates'.
    /// </summary>
    static readonly Dictionary<string, Lazy<PythonTool>> ShippedModules = new(StringComparer.Ordinal)
    {
        ["rmote_toolkit"] = Shipped("rmote_toolkit", "toolkit.py"),
        ["rmote_deploy_tree"] = Shipped("rmote_deploy_tree", "deploy_tree.py"),
        ["rmote_compat"] = Shipped("rmote_compat", "compat.py"),
        ["rmote_template"] = Shipped("rmote_template", "template_engine.py"),
    };

    static Lazy<PythonTool> Shipped(string name, string fileName) => new(() => new(name, EmbeddedPython.Read(fileName), isModule: true, shipped: true));

    /// <summary>The Python class name.</summary>
    public string Name { get; }

    /// <summary>The Python source.</summary>
    public string Source { get; }

    /// <summary>Name plus content hash (of the source as sent): a changed source is a different tool on the wire.</summary>
    public string Key { get; }

    /// <summary>A module tools import (synced with <c>"module": true</c>, registered under its name), not a tool.</summary>
    internal bool IsModule { get; }

    /// <summary>The SYNC frame, built once per process and reused by every connection.</summary>
    internal Wire.OutgoingFrame SyncFrame => syncFrame ??= Wire.OutgoingFrame.Create(Wire.FrameType.Sync, 0, SyncBody(),
        jsonLevel: System.IO.Compression.CompressionLevel.SmallestSize);
    Wire.OutgoingFrame? syncFrame;

    /// <summary>The shipped modules this source imports, synced in front of it. A tool file written for rmote
    /// (<c>from rmote.protocol import Tool</c>) gets <c>rmote_compat</c>, and the Template tool that renders its
    /// <c>Template</c> / <c>render_template</c> when it names them.</summary>
    internal IReadOnlyList<PythonTool> Modules => modules ??= ModuleImportPattern().Matches(Source)
        .Select(m => ShippedModules.GetValueOrDefault(m.Groups[1].Value)?.Value)
        .Concat(RmoteCompatModules())
        .OfType<PythonTool>().Where(m => m != this).Distinct().ToArray();
    PythonTool[]? modules;

    IEnumerable<PythonTool?> RmoteCompatModules()
    {
        if (IsModule || !RmoteImportPattern().IsMatch(Source)) yield break;
        if (RmoteTemplateUsePattern().IsMatch(Source)) yield return Tools.Template.Tool;
        yield return ShippedModules["rmote_compat"].Value;
    }

    /// <summary>The SYNC frame naming the source by its SHA-256 instead of carrying it (the host's code cache has it).</summary>
    internal Wire.OutgoingFrame CachedSyncFrame => cachedSyncFrame ??= Wire.OutgoingFrame.Create(Wire.FrameType.Sync, 0, SyncBody(cached: true));
    Wire.OutgoingFrame? cachedSyncFrame;

    /// <summary>The source as it travels (a shipped one without its prose).</summary>
    string SentSource { get; }

    /// <summary>SHA-256 (hex) of <see cref="SentSource"/>.</summary>
    readonly string sentDigest;

    Wire.OutgoingFrame Wire.IRemoteCode.SyncFrame => SyncFrame;
    Wire.OutgoingFrame Wire.IRemoteCode.CachedSyncFrame => CachedSyncFrame;
    IReadOnlyList<Wire.IRemoteCode> Wire.IRemoteCode.Prerequisites => Modules;

    byte[] SyncBody(bool cached = false)
    {
        using var buffer = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("key"u8, Key);
            json.WriteString("name"u8, Name);
            // What the host's code cache files the compiled source under, and checks an entry against.
            json.WriteString("sha256"u8, sentDigest);
            if (cached) json.WriteBoolean("cached"u8, true);
            else json.WriteString("source"u8, SentSource);
            if (IsModule) json.WriteBoolean("module"u8, true);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>A tool from source text; the source must define <c>class {name}(Tool)</c>.</summary>
    public static PythonTool FromSource(string name, string source) => new(name, source);

    /// <summary>
    /// The tool a .py file defines, for example a tool file written for rmote, loaded unchanged
    /// (<c>from rmote.protocol import Tool, process</c> works on the remote): the class deriving from <c>Tool</c>,
    /// directly or through other classes of the file, that no other class of the file derives from.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">The file defines no tool class, or several (named in the message: use
    /// <see cref="FromFile(string, string)"/> for each).</exception>
    /// <example><code>
    /// var nginx = PythonTool.FromFile("tools/nginx.py");
    /// var reload = nginx.Method&lt;bool, ReloadResult&gt;("reload");
    /// </code></example>
    public static PythonTool FromFile(string path)
    {
        var source = ReadToolFile(path);
        return new(ToolFile.ToolClassName(source, path), source);
    }

    /// <summary>The tool class <paramref name="name"/> of a .py file (one of several in it, or a base class).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static PythonTool FromFile(string name, string path) => new(name, ReadToolFile(path));

    static string ReadToolFile(string path) => File.Exists(path)
        ? File.ReadAllText(path)
        : throw new FileNotFoundException(
            $"Tool file '{Path.GetFullPath(path)}' does not exist (a relative path is taken from the current directory " +
            $"'{Environment.CurrentDirectory}').", path);

    /// <summary>A built-in tool shipped inside Rmote.Core.</summary>
    internal static PythonTool FromResource(string name, string fileName) => new(name, EmbeddedPython.Read(fileName), shipped: true);

    /// <summary>Handle for a method taking no arguments.</summary>
    public ToolMethod<TResult> Method<TResult>(string name) => new(this, name, null);

    /// <summary>Handle for a method taking one argument.</summary>
    public ToolMethod<T1, TResult> Method<T1, TResult>(string name) => new(this, name, null, false);

    /// <summary>Handle for a method taking two arguments.</summary>
    public ToolMethod<T1, T2, TResult> Method<T1, T2, TResult>(string name) => new(this, name, null);

    /// <summary>Handle for a method taking three arguments.</summary>
    public ToolMethod<T1, T2, T3, TResult> Method<T1, T2, T3, TResult>(string name) => new(this, name, null);

    /// <summary>Handle for a method taking four arguments.</summary>
    public ToolMethod<T1, T2, T3, T4, TResult> Method<T1, T2, T3, T4, TResult>(string name) => new(this, name, null);

    /// <summary>Handle for a method whose arguments are the properties of <typeparamref name="TArgs"/>, sent as keyword arguments (null properties are left out, so Python defaults apply).</summary>
    public ToolMethod<TArgs, TResult> KwMethod<TArgs, TResult>(string name) => new(this, name, null, true);

    /// <summary>Handle for a streaming method (a generator) taking no arguments.</summary>
    public StreamMethod<TChunk> Stream<TChunk>(string name) => new(this, name, null);

    /// <summary>Handle for a streaming method (a generator) taking one argument.</summary>
    public StreamMethod<T1, TChunk> Stream<T1, TChunk>(string name) => new(this, name, null, false);

    /// <summary>Handle for a streaming method taking two arguments.</summary>
    public StreamMethod<T1, T2, TChunk> Stream<T1, T2, TChunk>(string name) => new(this, name, null);

    /// <summary>Handle for a streaming method whose arguments are the properties of <typeparamref name="TArgs"/>, sent as keyword arguments.</summary>
    public StreamMethod<TArgs, TChunk> KwStream<TArgs, TChunk>(string name) => new(this, name, null, true);
}
