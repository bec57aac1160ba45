using Rmote.TestRig;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Rmote.Tools;

namespace Rmote.Core.Tests;

/// <summary>The protocol against a real local python3 child.</summary>
public sealed class LocalProtocolTests : IAsyncLifetime
{
    readonly CapturingLogger log = new();
    Protocol proto = null!;

    public async Task InitializeAsync() => proto = await Protocol.FromSubprocessAsync(new ProtocolOptions { Logger = log, RemoteLogLevel = LogLevel.Debug });

    public async Task DisposeAsync() => await proto.DisposeAsync();

    static class MyTool
    {
        static readonly PythonTool Tool = PythonTool.FromSource("MyTool", """
            class MyTool(Tool):
                @staticmethod
                def shout(text):
                    return text.upper()

                @staticmethod
                def point(x, y):
                    return {"x": x, "y": y, "sum": x + y}
            """);
        public static readonly ToolMethod<string, string> Shout = Tool.Method<string, string>("shout");
        public static readonly ToolMethod<int, int, Point> Point = Tool.Method<int, int, Point>("point");
        public static readonly ToolMethod<int, int, int> PointAsInt = Tool.Method<int, int, int>("point");
    }

    public sealed record Point(int X, int Y, int Sum);

    [Fact]
    public async Task Hello_reports_the_remote_interpreter()
    {
        Assert.True(proto.Info.Pid > 0);
        Assert.StartsWith("3.", proto.Info.Python);
        Assert.Equal("local", proto.Name);
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task Custom_tool_from_source_returns_typed_records()
    {
        Assert.Equal("HELLO", await proto.CallAsync(MyTool.Shout, "hello"));
        Assert.Equal(new Point(2, 3, 5), await proto.CallAsync(MyTool.Point, 2, 3));
    }

    [Fact]
    public async Task Bytes_travel_raw_both_ways()
    {
        var data = new byte[3 * 1024 * 1024 + 17];
        Random.Shared.NextBytes(data);
        Assert.Equal(data, await proto.CallAsync(Diag.EchoBytes, data));
        Assert.Equal(new byte[0], await proto.CallAsync(Diag.EchoBytes, Array.Empty<byte>()));
        var compressible = new byte[1 << 20];
        Assert.Equal(compressible, await proto.CallAsync(Diag.EchoBytes, compressible));
    }

    [Fact]
    public async Task Structured_values_round_trip()
    {
        var value = new Dictionary<string, object?> { ["a"] = 1, ["b"] = new[] { "x", "y" }, ["c"] = null, ["ü"] = "€" };
        var echoed = await proto.CallAsync(Diag.Echo<JsonElement>(), JsonSerializer.SerializeToElement(value));
        Assert.Equal(1, echoed.GetProperty("a").GetInt32());
        Assert.Equal("y", echoed.GetProperty("b")[1].GetString());
        Assert.Equal("€", echoed.GetProperty("ü").GetString());
    }

    [Fact]
    public async Task Many_calls_in_flight_come_back_to_their_callers()
    {
        var calls = Enumerable.Range(0, 2000).Select(i => proto.CallAsync(Diag.EchoString, $"call-{i}")).ToArray();
        var results = await Task.WhenAll(calls);
        for (var i = 0; i < results.Length; i++) Assert.Equal($"call-{i}", results[i]);
    }

    [Fact]
    public async Task Slow_calls_do_not_block_fast_ones()
    {
        var slow = proto.CallAsync(Diag.Sleep, 2.0);
        var sw = Stopwatch.StartNew();
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
        Assert.False(slow.IsCompleted);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1.5), "a ping waited for a sleeping call");
        Assert.Equal(2.0, await slow);
    }

    [Theory]
    [InlineData("FileNotFoundError", typeof(RemoteFileNotFoundException), typeof(FileNotFoundException))]
    [InlineData("PermissionError", typeof(RemoteUnauthorizedAccessException), typeof(UnauthorizedAccessException))]
    [InlineData("IsADirectoryError", typeof(RemoteIOException), typeof(IOException))]
    [InlineData("OSError", typeof(RemoteIOException), typeof(IOException))]
    [InlineData("TimeoutError", typeof(RemoteTimeoutException), typeof(TimeoutException))]
    [InlineData("ValueError", typeof(RemoteArgumentException), typeof(ArgumentException))]
    [InlineData("TypeError", typeof(RemoteArgumentException), typeof(ArgumentException))]
    [InlineData("KeyError", typeof(RemoteKeyNotFoundException), typeof(KeyNotFoundException))]
    [InlineData("NotImplementedError", typeof(RemoteNotSupportedException), typeof(NotSupportedException))]
    [InlineData("CalledProcessError", typeof(RemoteCommandException), typeof(RemoteException))]
    [InlineData("RuntimeError", typeof(RemoteException), typeof(RemoteException))]
    public async Task Python_exceptions_map_to_the_dotnet_exception_a_caller_catches(string pythonType, Type expected, Type catchable)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => proto.CallAsync(Diag.RaiseError, pythonType, "boom"));
        Assert.IsType(expected, error);
        Assert.IsAssignableFrom(catchable, error);
        var remote = Assert.IsAssignableFrom<IRemoteError>(error);
        Assert.Equal(pythonType, remote.PythonType);
        Assert.Contains("Traceback", remote.RemoteTraceback);
        Assert.Equal("local", remote.Host);
        Assert.Contains("boom", error.Message);
        Assert.Contains("remote traceback", error.ToString());
    }

    [Fact]
    public async Task Command_errors_carry_exit_code_and_output()
    {
        var error = await Assert.ThrowsAsync<RemoteCommandException>(() => proto.CallAsync(Diag.RaiseError, "CalledProcessError", "boom"));
        Assert.Equal(3, error.ExitCode);
        Assert.Equal("out", error.Stdout);
        Assert.Equal("boom", error.Stderr);
        Assert.Contains("stderr: boom", error.Message);
    }

    [Fact]
    public async Task Cancelling_a_call_cancels_the_remote_task_and_the_connection_goes_on()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var sw = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => proto.CallAsync(Diag.Sleep, 30.0, cts.Token));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task A_handle_timeout_throws_TimeoutException()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(() => proto.CallAsync(Diag.Sleep.WithTimeout(TimeSpan.FromMilliseconds(200)), 30.0));
        Assert.Contains("Diag.sleep", error.Message);
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task Generators_stream_items_as_they_are_produced()
    {
        var items = new List<int>();
        await foreach (var i in proto.StreamAsync(Diag.Count, 5, 0.0)) items.Add(i);
        Assert.Equal([0, 1, 2, 3, 4], items);
        items.Clear();
        await foreach (var i in proto.StreamAsync(Diag.AsyncCount, 4, 0.0)) items.Add(i);
        Assert.Equal([0, 1, 2, 3], items);
    }

    [Fact]
    public async Task A_slow_reader_holds_a_fast_stream_to_its_window_and_then_reads_all_of_it()
    {
        await using var p = await Protocol.FromSubprocessAsync(new ProtocolOptions { StreamWindow = 256 * 1024 });
        const int size = 16 * 1024, n = 2000;  // 32 MiB in all
        var read = 0;
        await foreach (var block in p.StreamAsync(Diag.Blocks, n, size))
        {
            Assert.Equal(size, block.Length);
            if (++read == 1)
            {
                // 256 KiB window: about 16 blocks sent, one more made and held (the generator waits for credit)
                var made = 0;
                for (var deadline = DateTime.UtcNow.AddSeconds(30); made < 15 && DateTime.UtcNow < deadline; await Task.Delay(50))
                    made = await p.CallAsync(Diag.Made, "blocks");
                await Task.Delay(300);  // time to run ahead, if it could
                Assert.InRange(await p.CallAsync(Diag.Made, "blocks"), 15, 20);
            }
        }
        Assert.Equal(n, read);
        Assert.Equal(n, await p.CallAsync(Diag.Made, "blocks"));
    }

    [Fact]
    public async Task A_stream_window_under_64_KiB_is_refused_with_the_limit()
    {
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Protocol.FromSubprocessAsync(new ProtocolOptions { StreamWindow = 1000 }));
        Assert.Contains("StreamWindow must be at least 65536", e.Message);
    }

    [Fact]
    public async Task Leaving_a_stream_early_cancels_the_remote_generator()
    {
        var sw = Stopwatch.StartNew();
        await foreach (var i in proto.StreamAsync(Diag.Count, 1000, 0.05))
            if (i == 2) break;
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task Remote_logging_records_reach_the_ILogger_at_their_level()
    {
        await proto.CallAsync(Diag.Log, 30, "disk almost full");
        await proto.CallAsync(Diag.Log, 40, "it broke");
        await WaitUntil(() => log.Entries.Any(e => e.Message.Contains("it broke")));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("disk almost full") && e.Message.Contains("[local]"));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("it broke"));
    }

    [Fact]
    public async Task Stray_stdout_from_a_tool_or_its_children_does_not_corrupt_the_channel()
    {
        Assert.Equal("ok", await proto.CallAsync(Diag.StdoutNoise));
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task A_result_of_the_wrong_shape_gives_a_clear_error()
    {
        var error = await Assert.ThrowsAsync<RemoteResultException>(() => proto.CallAsync(MyTool.PointAsInt, 1, 2));
        Assert.Contains("MyTool.point", error.Message);
        Assert.Contains("Int32", error.Message);
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task A_broken_tool_source_fails_its_calls_with_the_python_error()
    {
        var broken = PythonTool.FromSource("Broken", "class Broken(Tool):\n    def f(self:\n        pass\n").Method<int>("f");
        var error = await Assert.ThrowsAsync<RemoteException>(() => proto.CallAsync(broken));
        Assert.Equal("SyntaxError", error.PythonType);
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task The_remote_exiting_fails_pending_and_later_calls_with_connection_lost()
    {
        await using var other = await Protocol.FromSubprocessAsync();
        var sleeping = other.CallAsync(Diag.Sleep, 30.0);
        await other.CallAsync(Quit.Exit, 0);
        var lost = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => sleeping);
        Assert.Contains("local", lost.Message);
        await Assert.ThrowsAsync<RemoteConnectionLostException>(() => other.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task Killing_the_remote_fails_pending_calls_at_once()
    {
        await using var other = await Protocol.FromSubprocessAsync();
        var sleeping = other.CallAsync(Diag.Sleep, 30.0);
        Process.GetProcessById(other.Info.Pid).Kill();
        var lost = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => sleeping.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(137, lost.ExitCode); // 128 + SIGKILL
        Assert.Equal("the transport process was killed by signal 9 (SIGKILL)", lost.ExitMeaning);
    }

    [Fact]
    public async Task Disposing_kills_and_reaps_the_child()
    {
        var other = await Protocol.FromSubprocessAsync();
        var pid = other.Info.Pid;
        Assert.True(Directory.Exists($"/proc/{pid}"));
        await other.DisposeAsync();
        Assert.False(Directory.Exists($"/proc/{pid}"), "the python child is still there (or a zombie) after DisposeAsync");
        await Assert.ThrowsAsync<RemoteConnectionLostException>(() => other.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task The_compressed_runtime_is_small()
    {
        Assert.InRange(Protocol.BootstrapSize, 1000, 16 * 1024);
        var info = await proto.CallAsync(Diag.Info);
        Assert.Equal(proto.Info.Pid, info.Pid);
        Assert.True(info.RssKib > 0);
    }

    [Fact]
    public void The_runtime_is_sent_without_comments_and_docstrings_on_the_same_lines()
    {
        var source = Rmote.Transport.EmbeddedPython.Read("runtime.py");
        var sent = Rmote.Transport.Bootstrap.WithoutProse(source);
        Assert.Equal(source.Split('\n').Length, sent.Split('\n').Length);
        Assert.DoesNotContain("\"\"\"", sent);
        Assert.InRange(sent.Length, source.Length / 2, source.Length * 9 / 10);
        Assert.Equal("class FrameDecoder:", sent.Split('\n')[Array.FindIndex(source.Split('\n'), l => l == "class FrameDecoder:")]);
    }

    [Fact]
    public async Task A_tool_that_imports_the_toolkit_gets_it_synced_in_front_and_the_bootstrap_does_not_carry_it()
    {
        Assert.DoesNotContain("def write_file", Rmote.Transport.EmbeddedPython.Read("runtime.py"), StringComparison.Ordinal);
        var tool = PythonTool.FromSource("UsesToolkit",
            "class UsesToolkit(Tool):\n    @staticmethod\n    def write(path):\n" +
            "        from rmote_toolkit import write_file\n        return write_file(path, b'hi')[0]\n");
        var path = Path.Combine(Path.GetTempPath(), "rmote-toolkit-" + Guid.NewGuid().ToString("N"));
        try
        {
            Assert.True(await proto.CallAsync(tool.Method<string, bool>("write"), path));
            Assert.False(await proto.CallAsync(tool.Method<string, bool>("write"), path));
            Assert.Equal("hi", await File.ReadAllTextAsync(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Compiled_code_is_cached_for_the_remote_user_unless_turned_off()
    {
        var folder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "rmote");
        Assert.Equal(folder, proto.Info.CodeCache);
        Assert.NotEmpty(Directory.GetFiles(folder, "runtime-*"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        await using var off = await Protocol.FromSubprocessAsync(new ProtocolOptions { CodeCache = false });
        Assert.Null(off.Info.CodeCache);
        Assert.False(string.IsNullOrEmpty(await off.CallAsync(Diag.Ping)));
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition());
    }
}
