using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Rmote.Calls;
using Rmote.Deploy;
using Rmote.Tools;
using Rmote.Wire;

namespace Rmote.Core.Tests.Wire;

/// <summary>
/// The compile-time metadata of the deploy path's wire types (<see cref="WireContext"/>) writes and reads the same JSON as
/// reflection does under the same options: the Python side sees no difference.
/// </summary>
public class WireContextTests
{
    static readonly JsonSerializerOptions Reflection = new(WireJson.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    static string Write<T>(T value, JsonSerializerOptions options)
    {
        using var scope = new EncodingScope();
        return JsonSerializer.Serialize(value, options);
    }

    static void SameWritten<T>(T value)
    {
        Assert.IsAssignableFrom<JsonTypeInfo<T>>(WireContext.Default.GetTypeInfo(typeof(T)));
        Assert.Equal(Write(value, Reflection), Write(value, WireJson.Options));
    }

    // Read with the wire options, written back by reflection: what was read is what reflection reads.
    static void SameRead<T>(string json) =>
        Assert.Equal(Write(JsonSerializer.Deserialize<T>(json, Reflection), Reflection), Write(JsonSerializer.Deserialize<T>(json, WireJson.Options), Reflection));

    [Fact]
    public void Arguments_are_written_as_reflection_writes_them()
    {
        var env = new Dictionary<string, string?> { ["A"] = "1", ["B"] = null };
        SameWritten(new ExecOptions("ls", "-l") { Cwd = "/srv", Env = env, MergeEnv = true, Timeout = TimeSpan.FromSeconds(1.5), Check = false, Stdin = "x" });
        SameWritten(new ExecOptions("true"));
        SameWritten(new ShellOptions("echo hi") { Shell = "/bin/sh", MergeStderr = true });
        SameWritten(new ExecStreamOptions("tail", "-f") { Env = env, Timeout = TimeSpan.FromMilliseconds(250) });
        SameWritten(new ShellStreamOptions("echo \u00e9 \"q\"") { Cwd = "~" });
        var basis = new RemoteBasis(10, 1_700_000_000_123_456_789, 42);
        SameWritten(new SyncPlanArgs("/srv/app", new ManifestPiece([]), true, false, "www", null, true, true, false, true, new DeltaRequest(4096), "p1", true, ["a", "b/c"]));
        SameWritten(new SyncPlanArgs("/srv/app", new ManifestPiece([]), false, false, null, null, false, false, false, false));
        SameWritten(new OpenFileArgs("/srv", "a/b.txt", 12, 420, 1_700_000_000_000_000_001, null, "g", true, "h1", basis));
        SameWritten(new OpenFileArgs("/srv", "a", 0, null, null, null, null, false));
        SameWritten(new BlockSumsArgs("/srv", "x.dll", basis));
        SameWritten(new PutManyArgs("/srv", [new PutManyFile("a", 0, 3, 493, 5, "ab", true, 2), new PutManyFile("b", 3, 1, null, null, null)],
            new BinaryParts([new BinaryPart(new byte[] { 1, 2, 3, 4 })]), null, null, true, 1));
        SameWritten(new List<long[]> { new long[] { 0, 4096 }, new long[] { 1, 8192, 100 } });
        SameWritten(new Dictionary<string, int> { ["max_frame"] = 1 << 20, ["log_level"] = 20 });
        SameWritten(new[] { "a", "b" });
        SameWritten(1L << 40);
        SameWritten(true);
    }

    [Fact]
    public void Results_are_read_as_reflection_reads_them()
    {
        SameRead<RemoteInfo>("""{"protocol": 3, "pid": 77, "python": "3.11.2", "platform": "linux", "executable": "/usr/bin/python3", "code_cache": "/tmp/c", "extra": 1}""");
        SameRead<RemoteLogRecord>("""{"level": 30, "logger": "rmote.x", "message": "m \u00e9", "exc": null}""");
        SameRead<RemoteErrorInfo>("""{"type": "OSError", "mro": ["OSError", "Exception"], "message": "no", "traceback": "t", "errno": 2, "filename": "/x"}""");
        SameRead<SyncPlanResult>("""
            {"send": ["a", "b"], "skipped": 3, "dirs_created": 1, "links_changed": 0, "meta_fixed": 2, "deleted": ["z"], "temps_removed": 0,
             "basis": {"a": {"size": 1, "mtime_ns": 2, "ino": 3}}, "deleted_sizes": [5]}
            """);
        SameRead<SyncPlanResult>("""{"send": [], "skipped": 0, "dirs_created": 0, "links_changed": 0, "meta_fixed": 0, "deleted": [], "temps_removed": 0}""");
        SameRead<PutManyResult>("""{"written": ["a"], "bytes": 12}""");
        SameRead<RemoteEntry[]>("""[{"path": "a", "type": "file", "size": 1, "mtime_ns": 2, "mode": 420, "link": null, "sha256": "ff"}]""");
        SameRead<CommandResult>("""{"exit_code": 1, "stdout": "o", "stderr": "e", "duration": 0.25}""");
        SameRead<OutputLine>("""{"stream": "stderr", "line": "x"}""");
        SameRead<OutputLine>("""{"stream": "exit", "exit_code": 3}""");
        SameRead<string[]>("""["a", "b"]""");
        SameRead<long>("9007199254740993");
    }
}
